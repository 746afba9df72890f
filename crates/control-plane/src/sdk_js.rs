//! The JavaScript SDK GetSdk writes: `apiGateway-js-sdk/apigClient.js` and a README, zipped.
//!
//! As AWS's generated client, `apigClientFactory.newClient(config)` returns an object with one
//! function per method, named from the resource path and verb (`GET /pets/{petId}` →
//! `petsPetIdGet`, `GET /` → `rootGet`), each taking `(params, body, additionalParams)`:
//! `params` holds the path, query string and header parameters by name, and the promise
//! resolves to `{status, headers, data}`. It calls the stage with the platform's `fetch`
//! (Node.js 18+ or a browser) and needs no library (`config.apiKey` sets `x-api-key`). As
//! AWS's client, it signs the calls of `AWS_IAM` methods with Signature Version 4 when
//! `config.accessKey` and `config.secretKey` are given (`config.sessionToken` and
//! `config.region` too, the API's region by default), through the platform's Web Crypto
//! instead of AWS's bundled libraries.

use std::io::Write;

use apigw_model::ApiSnapshot;
use zip::write::SimpleFileOptions;

/// The zip of the SDK for `snapshot`, calling the stage at `invoke_url`.
///
/// # Errors
/// The archive could not be written (never for an in-memory buffer in practice).
pub fn zip(snapshot: &ApiSnapshot, invoke_url: &str, region: &str) -> Result<Vec<u8>, String> {
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, text) in [
        (
            "apiGateway-js-sdk/apigClient.js",
            client(snapshot, invoke_url, region),
        ),
        ("apiGateway-js-sdk/README.md", readme(snapshot)),
    ] {
        out.start_file(name, opts).map_err(|e| e.to_string())?;
        out.write_all(text.as_bytes()).map_err(|e| e.to_string())?;
    }
    let cursor = out.finish().map_err(|e| e.to_string())?;
    Ok(cursor.into_inner())
}

/// A JavaScript string literal (JSON's escaping is valid JavaScript).
fn js(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

fn js_list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| js(s)).collect();
    format!("[{}]", quoted.join(", "))
}

/// AWS's client function name: the path's segments camel-cased (braces, `+` and non-letters
/// dropped), then the verb (`/pets/{petId}`, GET → `petsPetIdGet`; `/` → `root`).
pub fn function_name(path: &str, verb: &str) -> String {
    let mut words: Vec<String> = path
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect();
    if words.is_empty() {
        words.push("root".into());
    }
    words.push(verb.to_ascii_lowercase());
    let mut name = String::new();
    for (i, w) in words.iter().enumerate() {
        let mut chars = w.chars();
        let Some(first) = chars.next() else { continue };
        if i == 0 {
            name.push(first.to_ascii_lowercase());
        } else {
            name.push(first.to_ascii_uppercase());
        }
        name.push_str(chars.as_str());
    }
    name
}

const RUNTIME: &str = r#"
  // Web Crypto: the global one (browsers in a secure context, Node.js 19+), else Node.js 18's
  // module; looked up only when a call is signed, so clients without AWS_IAM methods run
  // anywhere fetch does.
  function webCrypto() {
    if (globalThis.crypto && globalThis.crypto.subtle) { return globalThis.crypto.subtle; }
    if (typeof require === 'function') { return require('crypto').webcrypto.subtle; }
    throw new Error('Signing AWS_IAM calls needs Web Crypto (crypto.subtle)');
  }
  // Replace a header whatever the case the caller wrote it in.
  function setHeader(headers, name, value) {
    Object.keys(headers).forEach(function (h) { if (h.toLowerCase() === name) { delete headers[h]; } });
    headers[name] = value;
  }
  function hex(buf) {
    return Array.from(new Uint8Array(buf)).map(function (b) { return b.toString(16).padStart(2, '0'); }).join('');
  }
  function sha256(subtle, text) { return subtle.digest('SHA-256', new TextEncoder().encode(text)).then(hex); }
  function hmac(subtle, key, text) {
    var raw = typeof key === 'string' ? new TextEncoder().encode(key) : key;
    return subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
      .then(function (k) { return subtle.sign('HMAC', k, new TextEncoder().encode(text)); });
  }
  function rfc3986(s) {
    return encodeURIComponent(s).replace(/[!'()*]/g, function (c) { return '%' + c.charCodeAt(0).toString(16).toUpperCase(); });
  }
  // Signature Version 4 for execute-api: host and x-amz-date (and the session token) signed,
  // each path segment encoded once more, the query sorted.
  function sign(method, url, headers, payload) {
    var subtle;
    try { subtle = webCrypto(); } catch (e) { return Promise.reject(e); }
    var u = new URL(url);
    var amzDate = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
    var day = amzDate.slice(0, 8);
    setHeader(headers, 'x-amz-date', amzDate);
    if (config.sessionToken) { setHeader(headers, 'x-amz-security-token', config.sessionToken); }
    var signed = { host: u.host, 'x-amz-date': amzDate };
    if (config.sessionToken) { signed['x-amz-security-token'] = config.sessionToken; }
    var names = Object.keys(signed).sort();
    var query = Array.from(u.searchParams.entries())
      .map(function (kv) { return [rfc3986(kv[0]), rfc3986(kv[1])]; })
      .sort(function (a, b) { return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0; })
      .map(function (kv) { return kv[0] + '=' + kv[1]; }).join('&');
    var scope = day + '/' + region + '/execute-api/aws4_request';
    var path = u.pathname.split('/').map(rfc3986).join('/');
    return sha256(subtle, payload || '').then(function (bodyHash) {
      var canonical = [method, path, query,
        names.map(function (n) { return n + ':' + signed[n] + '\n'; }).join(''),
        names.join(';'), bodyHash].join('\n');
      return sha256(subtle, canonical);
    }).then(function (canonicalHash) {
      var toSign = ['AWS4-HMAC-SHA256', amzDate, scope, canonicalHash].join('\n');
      return hmac(subtle, 'AWS4' + config.secretKey, day)
        .then(function (k) { return hmac(subtle, k, region); })
        .then(function (k) { return hmac(subtle, k, 'execute-api'); })
        .then(function (k) { return hmac(subtle, k, 'aws4_request'); })
        .then(function (k) { return hmac(subtle, k, toSign); })
        .then(function (sig) {
          setHeader(headers, 'authorization', 'AWS4-HMAC-SHA256 Credential=' + config.accessKey + '/' +
            scope + ', SignedHeaders=' + names.join(';') + ', Signature=' + hex(sig));
        });
    });
  }
  function call(method, template, query, headerNames, iam, params, body, additionalParams) {
    method = String(method).toUpperCase();
    params = params || {};
    additionalParams = additionalParams || {};
    var path = template.replace(/\{([^}+]+)(\+?)\}/g, function (_, name, greedy) {
      if (params[name] === undefined) {
        throw new Error('Missing required path parameter: ' + name);
      }
      var value = String(params[name]);
      return greedy ? value.split('/').map(encodeURIComponent).join('/') : encodeURIComponent(value);
    });
    // Encoded as SigV4 encodes (a space is %20, not URLSearchParams' +), so a signed query
    // reads the same to the signer and the gateway.
    var search = [];
    query.forEach(function (name) {
      if (params[name] !== undefined) { search.push(rfc3986(name) + '=' + rfc3986(String(params[name]))); }
    });
    var extraQuery = additionalParams.queryParams || {};
    Object.keys(extraQuery).forEach(function (name) {
      search.push(rfc3986(name) + '=' + rfc3986(String(extraQuery[name])));
    });
    var headers = Object.assign({}, defaultHeaders, additionalParams.headers || {});
    headerNames.forEach(function (name) {
      if (params[name] !== undefined) { headers[name] = String(params[name]); }
    });
    var payload = body;
    if (payload !== undefined && payload !== null && typeof payload !== 'string') {
      payload = JSON.stringify(payload);
      if (!Object.keys(headers).some(function (h) { return h.toLowerCase() === 'content-type'; })) {
        headers['Content-Type'] = 'application/json';
      }
    }
    var qs = search.join('&');
    var url = invokeUrl + path + (qs ? '?' + qs : '');
    var init = { method: method, headers: headers };
    if (payload !== undefined && payload !== null && method !== 'GET' && method !== 'HEAD') {
      init.body = payload;
    }
    var ready = iam && config.accessKey && config.secretKey
      ? sign(method, url, headers, init.body)
      : Promise.resolve();
    return ready.then(function () { return fetch(url, init); }).then(function (res) {
      return res.text().then(function (text) {
        var data = text;
        try { data = JSON.parse(text); } catch (e) { /* not JSON: the text */ }
        var out = {};
        res.headers.forEach(function (value, name) { out[name] = value; });
        return { status: res.status, headers: out, data: data };
      });
    });
  }
"#;

/// `apigClient.js`.
fn client(snapshot: &ApiSnapshot, invoke_url: &str, region: &str) -> String {
    let api = &snapshot.rest_api;
    let mut out = format!(
        "// The JavaScript client of API {} ({}), generated by apigw-local.\n\
         var apigClientFactory = {{}};\n\
         apigClientFactory.newClient = function (config) {{\n  \
         config = config || {{}};\n  \
         var invokeUrl = (config.invokeUrl || {}).replace(/\\/$/, '');\n  \
         var defaultHeaders = Object.assign({{}}, config.defaultHeaders || {{}});\n  \
         if (config.apiKey) {{ defaultHeaders['x-api-key'] = config.apiKey; }}\n  \
         var region = config.region || {};\n",
        js(&api.name),
        js(&api.id),
        js(invoke_url),
        js(region),
    );
    out.push_str(RUNTIME);
    out.push_str("  var apigClient = {};\n");
    let mut resources: Vec<_> = snapshot.resources.iter().collect();
    resources.sort_by(|a, b| a.path.cmp(&b.path));
    for r in resources {
        for (verb, m) in r.resource_methods.iter().flatten() {
            let declared = m.request_parameters.clone().unwrap_or_default();
            let names = |prefix: &str| -> Vec<String> {
                declared
                    .keys()
                    .filter_map(|k| k.strip_prefix(prefix).map(str::to_string))
                    .collect()
            };
            // ANY is called with the verb the caller picks (`additionalParams.method`).
            let method = if verb == "ANY" {
                "additionalParams && additionalParams.method || 'GET'".to_string()
            } else {
                js(verb)
            };
            out.push_str(&format!(
                "  apigClient.{} = function (params, body, additionalParams) {{\n    \
                 return call({method}, {}, {}, {}, {}, params, body, additionalParams);\n  }};\n",
                function_name(&r.path, verb),
                js(&r.path),
                js_list(&names("method.request.querystring.")),
                js_list(&names("method.request.header.")),
                m.authorization_type == "AWS_IAM",
            ));
        }
    }
    out.push_str("  return apigClient;\n};\n");
    out.push_str("if (typeof module !== 'undefined' && module.exports) { module.exports = apigClientFactory; }\n");
    out
}

/// `README.md`: how to call it, and its functions.
fn readme(snapshot: &ApiSnapshot) -> String {
    let mut text = format!(
        "# JavaScript client of {}\n\n\
         ```js\n\
         const apigClientFactory = require('./apigClient.js');\n\
         // apiKey, and accessKey/secretKey (sessionToken, region) for AWS_IAM methods: optional\n\
         const client = apigClientFactory.newClient({{ apiKey: 'k', accessKey: 'AK', secretKey: 'SK' }});\n\
         client.rootGet({{}}, null, {{}}).then(r => console.log(r.status, r.data));\n\
         ```\n\n\
         Functions:\n\n",
        snapshot.rest_api.name
    );
    for r in &snapshot.resources {
        for verb in r.resource_methods.iter().flat_map(|m| m.keys()) {
            text.push_str(&format!(
                "- `{}`: {verb} {}\n",
                function_name(&r.path, verb),
                r.path
            ));
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_as_aws_clients_have_them() {
        assert_eq!(function_name("/", "GET"), "rootGet");
        assert_eq!(function_name("/pets", "GET"), "petsGet");
        assert_eq!(function_name("/pets/{petId}", "DELETE"), "petsPetIdDelete");
        assert_eq!(
            function_name("/my-items/{proxy+}", "ANY"),
            "myItemsProxyAny"
        );
    }
}
