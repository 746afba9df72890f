//! The built-in Lambda: functions created with `aws lambda create-function` at apigw-local's
//! endpoint, run locally (Python and Node.js handlers, a Rust `bootstrap` built here), invoked
//! directly and through API Gateway (AWS_PROXY, AWS, TOKEN and REQUEST authorizers), with no
//! `--lambda-endpoint`.

use std::io::Write;
use std::path::{Path, PathBuf};

use aws_sdk_apigateway::types::{AuthorizerType, IntegrationType};
use aws_sdk_apigateway::Client;
use base64::Engine;
use serde_json::{json, Value};

use crate::fixtures::{add_resource, deploy, stage_url, Route};
use crate::harness::{memory_mode, new_api, Server};

const ROLE: &str = "arn:aws:iam::000000000000:role/lambda-role";

/// A zip of `(name, content, mode)` files.
fn zip_of(files: &[(&str, &[u8], u32)]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, content, mode) in files {
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored)
            .unix_permissions(*mode);
        w.start_file(*name, opts).unwrap();
        w.write_all(content).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// The role Lambda checks for, as the guide creates it.
fn create_role(s: &Server) {
    s.aws(&[
        "iam",
        "create-role",
        "--role-name",
        "lambda-role",
        "--assume-role-policy-document",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#,
    ]);
}

/// `aws lambda create-function` with `zip` (written to `dir`), then the SDKs' waiter.
fn create_function(
    s: &Server,
    dir: &Path,
    name: &str,
    runtime: &str,
    handler: &str,
    zip: &[u8],
    extra: &[&str],
) -> Value {
    let path = dir.join(format!("{name}.zip"));
    std::fs::write(&path, zip).unwrap();
    let file = format!("fileb://{}", path.display());
    let mut args = vec![
        "lambda",
        "create-function",
        "--function-name",
        name,
        "--runtime",
        runtime,
        "--handler",
        handler,
        "--role",
        ROLE,
        "--zip-file",
        &file,
    ];
    args.extend_from_slice(extra);
    let created = s.aws(&args);
    s.aws(&[
        "lambda",
        "wait",
        "function-active-v2",
        "--function-name",
        name,
    ]);
    created
}

/// `aws lambda invoke`: (the CLI's output, the payload written).
fn invoke(s: &Server, dir: &Path, name: &str, payload: &str, extra: &[&str]) -> (Value, Value) {
    let out = dir.join(format!("{name}.out"));
    let out_s = out.display().to_string();
    let mut args = vec![
        "lambda",
        "invoke",
        "--function-name",
        name,
        "--payload",
        payload,
    ];
    args.extend_from_slice(extra);
    args.push(&out_s);
    let meta = s.aws(&args);
    let body = std::fs::read_to_string(&out).unwrap();
    (
        meta,
        serde_json::from_str(&body).unwrap_or(Value::String(body)),
    )
}

const PYTHON_APP: &str = r#"
import json, time
calls = 0
def handler(event, context):
    global calls
    calls += 1
    print("python saw", json.dumps(event.get("path")))
    return {
        "statusCode": 200,
        "headers": {"content-type": "application/json", "x-runtime": "python"},
        "body": json.dumps({"calls": calls, "path": event.get("path"), "fn": context.function_name,
                            "remaining": context.get_remaining_time_in_millis() > 0}),
    }
def count(event, context):
    global calls
    calls += 1
    return {"calls": calls}
def boom(event, context):
    raise ValueError("bad thing")
def orphan(event, context):
    import subprocess, time
    child = subprocess.Popen(["sleep", "300"])
    print("child", child.pid, flush=True)
    time.sleep(5)
def die(event, context):
    import os
    os._exit(3)
def raw(event, context):
    import sys
    sys.stdout.buffer.write(b"bytes \xff\xfe\n")
    sys.stdout.buffer.flush()
    print("after the bytes")
    return {}
def slow(event, context):
    time.sleep(5)
    return "late"
"#;

#[tokio::test]
async fn cli_creates_invokes_and_updates_a_python_function() {
    let s = Server::start();
    let dir = tempfile::tempdir().unwrap();
    create_role(&s);
    let zip = zip_of(&[("app.py", PYTHON_APP.as_bytes(), 0o644)]);
    let created = create_function(
        &s,
        dir.path(),
        "counter",
        "python3.12",
        "app.count",
        &zip,
        &["--environment", "Variables={GREETING=hi}"],
    );
    assert_eq!(created["State"], "Pending");
    assert_eq!(
        created["FunctionArn"],
        "arn:aws:lambda:us-east-1:000000000000:function:counter"
    );
    assert_eq!(created["CodeSize"], zip.len());
    assert_eq!(created["Environment"]["Variables"]["GREETING"], "hi");
    let got = s.aws(&["lambda", "get-function", "--function-name", "counter"]);
    assert_eq!(got["Configuration"]["State"], "Active");
    assert_eq!(got["Configuration"]["CodeSha256"], created["CodeSha256"]);
    // Code.Location serves the zip as uploaded.
    let location = got["Code"]["Location"].as_str().unwrap();
    let fetched = s
        .http()
        .get(location)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(fetched.as_ref(), zip.as_slice());

    // A warm worker keeps the module's state between invocations; LogType Tail gives the log.
    let (meta, body) = invoke(&s, dir.path(), "counter", "{}", &["--log-type", "Tail"]);
    assert_eq!(meta["StatusCode"], 200);
    assert_eq!(body, json!({"calls": 1}));
    let tail = base64::engine::general_purpose::STANDARD
        .decode(meta["LogResult"].as_str().unwrap())
        .unwrap();
    let tail = String::from_utf8(tail).unwrap();
    assert!(tail.starts_with("START RequestId: "), "{tail}");
    assert!(
        tail.contains("\nEND RequestId: ") && tail.contains("\nREPORT RequestId: "),
        "{tail}"
    );
    assert_eq!(
        invoke(&s, dir.path(), "counter", "{}", &[]).1,
        json!({"calls": 2})
    );
    // A permission is no new code or configuration: the worker stays warm.
    s.aws(&[
        "lambda",
        "add-permission",
        "--function-name",
        "counter",
        "--statement-id",
        "apigw",
        "--action",
        "lambda:InvokeFunction",
        "--principal",
        "apigateway.amazonaws.com",
    ]);
    assert_eq!(
        invoke(&s, dir.path(), "counter", "{}", &[]).1,
        json!({"calls": 3})
    );

    // DryRun checks and runs nothing; Event is accepted and runs in the background.
    let (meta, _) = invoke(
        &s,
        dir.path(),
        "counter",
        "{}",
        &["--invocation-type", "DryRun"],
    );
    assert_eq!(meta["StatusCode"], 204);
    let (meta, _) = invoke(
        &s,
        dir.path(),
        "counter",
        "{}",
        &["--invocation-type", "Event"],
    );
    assert_eq!(meta["StatusCode"], 202);
    // The Event invocation ran: its START line reaches the log group (written in the
    // background, so waited for).
    let starts = || {
        let events = s.aws(&[
            "logs",
            "filter-log-events",
            "--log-group-name",
            "/aws/lambda/counter",
            "--filter-pattern",
            "START",
        ]);
        events["events"].as_array().unwrap().len()
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while starts() < 4 {
        assert!(
            std::time::Instant::now() < deadline,
            "the Event invocation never ran"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    // A new configuration starts new workers.
    let updated = s.aws(&[
        "lambda",
        "update-function-configuration",
        "--function-name",
        "counter",
        "--handler",
        "app.boom",
        "--timeout",
        "1",
    ]);
    assert_eq!(updated["LastUpdateStatus"], "InProgress");
    s.aws(&[
        "lambda",
        "wait",
        "function-updated-v2",
        "--function-name",
        "counter",
    ]);
    let (meta, body) = invoke(&s, dir.path(), "counter", "{}", &[]);
    assert_eq!(meta["FunctionError"], "Unhandled");
    assert_eq!(body["errorType"], "ValueError");
    assert_eq!(body["errorMessage"], "bad thing");
    let trace = body["stackTrace"].to_string();
    assert!(
        trace.contains("app.py") && !trace.contains("bootstrap.py"),
        "{trace}"
    );

    // Timeout 1 s: AWS's timeout error, and the next call gets a fresh worker.
    s.aws(&[
        "lambda",
        "update-function-configuration",
        "--function-name",
        "counter",
        "--handler",
        "app.slow",
    ]);
    let (meta, body) = invoke(&s, dir.path(), "counter", "{}", &[]);
    assert_eq!(meta["FunctionError"], "Unhandled");
    let message = body["errorMessage"].as_str().unwrap();
    assert!(
        message.ends_with("Task timed out after 1.00 seconds"),
        "{message}"
    );
    s.aws(&[
        "lambda",
        "update-function-configuration",
        "--function-name",
        "counter",
        "--handler",
        "app.count",
    ]);
    assert_eq!(
        invoke(&s, dir.path(), "counter", "{}", &[]).1,
        json!({"calls": 1})
    );

    // Output that is not UTF-8 is logged with replacement characters, and what follows it too
    // (checked in the log group below).
    s.aws(&[
        "lambda",
        "update-function-configuration",
        "--function-name",
        "counter",
        "--handler",
        "app.raw",
    ]);
    assert_eq!(invoke(&s, dir.path(), "counter", "{}", &[]).1, json!({}));
    s.aws(&[
        "lambda",
        "update-function-configuration",
        "--function-name",
        "counter",
        "--handler",
        "app.count",
    ]);

    // New code replaces the old.
    let v2 = zip_of(&[(
        "app.py",
        b"def count(e, c):\n    return {'version': 2}\n",
        0o644,
    )]);
    let path = dir.path().join("v2.zip");
    std::fs::write(&path, &v2).unwrap();
    let file = format!("fileb://{}", path.display());
    let updated = s.aws(&[
        "lambda",
        "update-function-code",
        "--function-name",
        "counter",
        "--zip-file",
        &file,
    ]);
    assert_ne!(updated["CodeSha256"], created["CodeSha256"]);
    assert_eq!(
        invoke(&s, dir.path(), "counter", "{}", &[]).1,
        json!({"version": 2})
    );

    // The function's output is in its log group, as on AWS.
    let events = s.aws(&[
        "logs",
        "filter-log-events",
        "--log-group-name",
        "/aws/lambda/counter",
    ]);
    let messages: Vec<&str> = events["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["message"].as_str().unwrap())
        .collect();
    assert!(
        messages.iter().any(|m| m.starts_with("START RequestId: ")),
        "{messages:?}"
    );
    assert!(
        messages.iter().any(|m| m.contains("ValueError: bad thing")),
        "{messages:?}"
    );
    assert!(messages.contains(&"bytes \u{fffd}\u{fffd}"), "{messages:?}");
    assert!(messages.contains(&"after the bytes"), "{messages:?}");

    let listed = s.aws(&["lambda", "list-functions"]);
    assert_eq!(listed["Functions"][0]["FunctionName"], "counter");
    s.aws(&["lambda", "delete-function", "--function-name", "counter"]);
    s.assert_aws_cli_err(
        &["lambda", "get-function", "--function-name", "counter"],
        "ResourceNotFoundException",
        "Function not found: arn:aws:lambda:us-east-1:000000000000:function:counter",
    );
}

#[tokio::test]
async fn bad_requests_get_lambdas_errors_and_change_nothing() {
    let s = Server::start();
    let dir = tempfile::tempdir().unwrap();
    let zip = zip_of(&[("app.py", PYTHON_APP.as_bytes(), 0o644)]);
    let path = dir.path().join("app.zip");
    std::fs::write(&path, &zip).unwrap();
    let file = format!("fileb://{}", path.display());
    let create = |name: &str, runtime: &str, role: &str, file: &str| {
        s.aws_err(&[
            "lambda",
            "create-function",
            "--function-name",
            name,
            "--runtime",
            runtime,
            "--handler",
            "app.handler",
            "--role",
            role,
            "--zip-file",
            file,
        ])
    };
    // The role must exist.
    assert_eq!(
        create("f", "python3.12", ROLE, &file),
        (
            "InvalidParameterValueException".into(),
            "The role defined for the function cannot be assumed by Lambda.".into()
        )
    );
    create_role(&s);
    // The CLI refuses a file that is not a zip itself: sent as any SDK would send it.
    let r = s
        .http()
        .post(format!("{}/2015-03-31/functions", s.url))
        .json(&json!({
            "FunctionName": "f", "Runtime": "python3.12", "Handler": "app.handler", "Role": ROLE,
            "Code": {"ZipFile": base64::engine::general_purpose::STANDARD.encode(b"not a zip")},
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(
        r.headers()["x-amzn-errortype"],
        "InvalidParameterValueException"
    );
    assert_eq!(
        r.json::<Value>().await.unwrap()["Message"],
        "Could not unzip uploaded file. Please check your file, then try to upload again."
    );
    let (code, message) = create("f", "cobol", ROLE, &file);
    assert_eq!(code, "ValidationException");
    assert!(message.starts_with("1 validation error detected: Value 'cobol' at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: ["), "{message}");
    let (code, message) = create("bad name", "python3.12", ROLE, &file);
    assert_eq!(code, "ValidationException");
    assert!(message.contains("at 'functionName'"), "{message}");
    assert_eq!(s.aws(&["lambda", "list-functions"])["Functions"], json!([]));

    create_function(&s, dir.path(), "f", "python3.12", "app.handler", &zip, &[]);
    assert_eq!(
        create("f", "python3.12", ROLE, &file),
        (
            "ResourceConflictException".into(),
            "Function already exist: f".into()
        )
    );
    s.assert_aws_cli_err(
        &["lambda", "update-function-configuration", "--function-name", "f", "--environment", "Variables={AWS_REGION=x}"],
        "InvalidParameterValueException",
        "Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: AWS_REGION",
    );
    s.assert_aws_cli_err(
        &["lambda", "invoke", "--function-name", "nope", "/dev/null"],
        "ResourceNotFoundException",
        "Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope",
    );
    s.assert_aws_cli_err(
        &[
            "lambda",
            "invoke",
            "--function-name",
            "f",
            "--qualifier",
            "7",
            "/dev/null",
        ],
        "ResourceNotFoundException",
        "Function not found: arn:aws:lambda:us-east-1:000000000000:function:f:7",
    );
    let (code, _) = s.aws_err(&[
        "lambda",
        "invoke",
        "--function-name",
        "f",
        "--payload",
        "not json",
        "/dev/null",
    ]);
    assert_eq!(code, "InvalidRequestContentException");

    // Permissions are stored (not enforced) and shown as AWS shows them.
    s.assert_aws_cli_err(
        &["lambda", "get-policy", "--function-name", "f"],
        "ResourceNotFoundException",
        "The resource you requested does not exist.",
    );
    let added = s.aws(&[
        "lambda",
        "add-permission",
        "--function-name",
        "f",
        "--statement-id",
        "apigw",
        "--action",
        "lambda:InvokeFunction",
        "--principal",
        "apigateway.amazonaws.com",
        "--source-arn",
        "arn:aws:execute-api:us-east-1:000000000000:abc/*/GET/items",
    ]);
    let statement: Value = serde_json::from_str(added["Statement"].as_str().unwrap()).unwrap();
    assert_eq!(
        statement["Principal"],
        json!({"Service": "apigateway.amazonaws.com"})
    );
    assert_eq!(
        statement["Condition"]["ArnLike"]["AWS:SourceArn"],
        "arn:aws:execute-api:us-east-1:000000000000:abc/*/GET/items"
    );
    s.assert_aws_cli_err(
        &[
            "lambda",
            "add-permission",
            "--function-name",
            "f",
            "--statement-id",
            "apigw",
            "--action",
            "lambda:InvokeFunction",
            "--principal",
            "apigateway.amazonaws.com",
        ],
        "ResourceConflictException",
        "The statement id (sid) provided already exists. Please choose another statement id.",
    );
    let policy = s.aws(&["lambda", "get-policy", "--function-name", "f"]);
    let policy: Value = serde_json::from_str(policy["Policy"].as_str().unwrap()).unwrap();
    assert_eq!(policy["Statement"].as_array().unwrap().len(), 1);
    s.aws(&[
        "lambda",
        "remove-permission",
        "--function-name",
        "f",
        "--statement-id",
        "apigw",
    ]);
    s.assert_aws_cli_err(
        &[
            "lambda",
            "remove-permission",
            "--function-name",
            "f",
            "--statement-id",
            "apigw",
        ],
        "ResourceNotFoundException",
        "Statement apigw is not found in resource policy.",
    );
    // An account id as principal stands for that account's root, as Lambda writes it.
    let added = s.aws(&[
        "lambda",
        "add-permission",
        "--function-name",
        "f",
        "--statement-id",
        "account",
        "--action",
        "lambda:InvokeFunction",
        "--principal",
        "123456789012",
    ]);
    let statement: Value = serde_json::from_str(added["Statement"].as_str().unwrap()).unwrap();
    assert_eq!(
        statement["Principal"],
        json!({"AWS": "arn:aws:iam::123456789012:root"})
    );

    // ListFunctions' MaxItems is 1 to 10,000, each bound with its own message.
    for (max, bound) in [
        ("0", "greater than or equal to 1"),
        ("10001", "less than or equal to 10000"),
    ] {
        let r = s
            .http()
            .get(format!("{}/2015-03-31/functions/?MaxItems={max}", s.url))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400);
        assert_eq!(r.headers()["x-amzn-errortype"], "ValidationException");
        assert_eq!(
            r.json::<Value>().await.unwrap()["Message"],
            format!("1 validation error detected: Value '{max}' at 'maxItems' failed to satisfy constraint: Member must have value {bound}")
        );
    }

    // A runtime this machine cannot run answers InvalidRuntimeException at Invoke.
    create_function(
        &s,
        dir.path(),
        "j",
        "java21",
        "example.Handler::handleRequest",
        &zip,
        &[],
    );
    // (The CLI retries a 502 and shows no message for Invoke's streamed body: plain HTTP.)
    let r = s
        .http()
        .post(format!("{}/2015-03-31/functions/j/invocations", s.url))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 502);
    assert_eq!(r.headers()["x-amzn-errortype"], "InvalidRuntimeException");
    let message = r.json::<Value>().await.unwrap()["Message"].to_string();
    assert!(message.contains("java21"), "{message}");

    // A handler with no module part fails at init, in the Python runtime's words.
    create_function(&s, dir.path(), "nodot", "python3.12", "nodot", &zip, &[]);
    let (meta, body) = invoke(&s, dir.path(), "nodot", "{}", &[]);
    assert_eq!(meta["FunctionError"], "Unhandled");
    assert_eq!(body["errorType"], "Runtime.MalformedHandlerName");
    assert_eq!(
        body["errorMessage"],
        "Bad handler 'nodot': not enough values to unpack (expected 2, got 1)"
    );

    // A proxy in the function's environment is for its own calls, not the Runtime API's.
    create_function(
        &s,
        dir.path(),
        "proxied",
        "python3.12",
        "app.count",
        &zip,
        &[
            "--environment",
            "Variables={HTTP_PROXY=http://127.0.0.1:9,http_proxy=http://127.0.0.1:9}",
        ],
    );
    assert_eq!(
        invoke(&s, dir.path(), "proxied", "{}", &[]).1,
        json!({"calls": 1})
    );

    // A worker that exits mid-invocation: Runtime.ExitError, in Lambda's words.
    create_function(&s, dir.path(), "dies", "python3.12", "app.die", &zip, &[]);
    let (meta, body) = invoke(&s, dir.path(), "dies", "{}", &[]);
    assert_eq!(meta["FunctionError"], "Unhandled");
    assert_eq!(body["errorType"], "Runtime.ExitError");
    let message = body["errorMessage"].as_str().unwrap();
    assert!(
        message.starts_with("RequestId: ")
            && message.ends_with(" Error: Runtime exited with error: exit status 3"),
        "{message}"
    );

    // A slow start-up (Lambda's init phase) does not count against the function's timeout.
    let slow_init = zip_of(&[(
        "slow.py",
        b"import time\ntime.sleep(1.5)\ndef handler(e, c):\n    return {'left': c.get_remaining_time_in_millis() > 500}\n",
        0o644,
    )]);
    create_function(
        &s,
        dir.path(),
        "slowinit",
        "python3.12",
        "slow.handler",
        &slow_init,
        &["--timeout", "1"],
    );
    let (meta, body) = invoke(&s, dir.path(), "slowinit", "{}", &[]);
    assert_eq!(meta.get("FunctionError"), None, "{body}");
    assert_eq!(body, json!({"left": true}));

    // What a worker started ends with it: a handler's subprocess, at the timeout.
    create_function(
        &s,
        dir.path(),
        "orphans",
        "python3.12",
        "app.orphan",
        &zip,
        &["--timeout", "1"],
    );
    let (meta, _) = invoke(&s, dir.path(), "orphans", "{}", &["--log-type", "Tail"]);
    let tail = base64::engine::general_purpose::STANDARD
        .decode(meta["LogResult"].as_str().unwrap())
        .unwrap();
    let tail = String::from_utf8(tail).unwrap();
    let pid = tail
        .lines()
        .find_map(|l| l.strip_prefix("child "))
        .unwrap_or_else(|| panic!("no child pid in {tail}"));
    // Running, not a zombie waiting for whoever adopted it to reap it.
    let alive = || {
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .ok()
            .and_then(|stat| Some(stat.rsplit_once(") ")?.1.starts_with('Z')))
            .is_some_and(|zombie| !zombie)
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while alive() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let left = alive();
    if left {
        let _ = std::process::Command::new("kill").arg(pid).status();
    }
    assert!(!left, "the handler's subprocess {pid} outlived its worker");
}

/// A Rust `bootstrap` (std only) for `provided.al2023`: a TOKEN authorizer event gets a policy
/// allowing the token `allow`; anything else is echoed as `{"from": "rust", "event": …}`.
const RUST_BOOTSTRAP: &str = r#"
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;

fn call(api: &str, method: &str, path: &str, body: &str) -> (String, String) {
    let mut s = TcpStream::connect(api).unwrap();
    write!(s, "{method} {path} HTTP/1.1\r\nHost: {api}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len()).unwrap();
    let mut r = BufReader::new(s);
    let mut line = String::new();
    r.read_line(&mut line).unwrap();
    let mut id = String::new();
    loop {
        line.clear();
        r.read_line(&mut line).unwrap();
        if line == "\r\n" { break; }
        if let Some((k, v)) = line.split_once(':') {
            if k.eq_ignore_ascii_case("lambda-runtime-aws-request-id") { id = v.trim().to_string(); }
        }
    }
    let mut rest = String::new();
    r.read_to_string(&mut rest).unwrap();
    (id, rest)
}

fn main() {
    let api = std::env::var("AWS_LAMBDA_RUNTIME_API").unwrap();
    eprintln!("rust bootstrap started for {}", std::env::var("AWS_LAMBDA_FUNCTION_NAME").unwrap());
    loop {
        let (id, event) = call(&api, "GET", "/2018-06-01/runtime/invocation/next", "");
        let answer = if event.contains("\"type\":\"TOKEN\"") {
            let effect = if event.contains("\"authorizationToken\":\"allow\"") { "Allow" } else { "Deny" };
            format!("{{\"principalId\":\"rust-user\",\"policyDocument\":{{\"Version\":\"2012-10-17\",\"Statement\":[{{\"Action\":\"execute-api:Invoke\",\"Effect\":\"{effect}\",\"Resource\":\"*\"}}]}},\"context\":{{\"runtime\":\"rust\"}}}}")
        } else {
            format!("{{\"from\":\"rust\",\"event\":{event}}}")
        };
        call(&api, "POST", &format!("/2018-06-01/runtime/invocation/{id}/response"), &answer);
    }
}
"#;

/// Compile [`RUST_BOOTSTRAP`] into `dir/bootstrap`.
fn build_rust_bootstrap(dir: &Path) -> PathBuf {
    let src = dir.join("bootstrap.rs");
    std::fs::write(&src, RUST_BOOTSTRAP).unwrap();
    let out = dir.join("bootstrap");
    let status =
        std::process::Command::new(std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into()))
            .args(["--edition", "2021", "-O", "-o"])
            .arg(&out)
            .arg(&src)
            .status()
            .unwrap();
    assert!(status.success(), "rustc failed");
    out
}

const NODE_AUTHORIZER: &str = r#"
exports.handler = async (event, context) => {
  const user = event.headers["X-User"] || event.headers["x-user"] || "";
  console.log("node authorizer saw", user);
  return {
    principalId: "node-" + user,
    policyDocument: { Version: "2012-10-17", Statement: [
      { Action: "execute-api:Invoke", Effect: user === "ann" ? "Allow" : "Deny", Resource: event.methodArn } ] },
    context: { runtime: "node", fn: context.functionName },
  };
};
"#;

/// `GET /{path}` in `api`, an AWS_PROXY integration with the built-in function `function`.
async fn proxy_to(c: &Client, api: &str, root: &str, path: &str, function: &str) {
    let rid = add_resource(c, api, root, path).await;
    let route = Route::new(c, api, &rid, "GET");
    route.method().await;
    route
        .put_integration()
        .r#type(IntegrationType::AwsProxy)
        .integration_http_method("POST")
        .uri(function_uri(function))
        .send()
        .await
        .unwrap();
}

/// A Lambda authorizer (no result caching) running one of the built-in functions.
struct LambdaAuthorizer {
    name: &'static str,
    kind: AuthorizerType,
    function: &'static str,
    identity_source: &'static str,
}

impl LambdaAuthorizer {
    /// Create it in `api`, and a new `/{path}` whose `verb` it guards; returns the resource id.
    async fn guard(&self, c: &Client, api: &str, root: &str, path: &str, verb: &str) -> String {
        let a = c
            .create_authorizer()
            .rest_api_id(api)
            .name(self.name)
            .r#type(self.kind.clone())
            .authorizer_uri(function_uri(self.function))
            .identity_source(self.identity_source)
            .authorizer_result_ttl_in_seconds(0)
            .send()
            .await
            .unwrap();
        let rid = add_resource(c, api, root, path).await;
        Route::new(c, api, &rid, verb)
            .put_method()
            .authorization_type("CUSTOM")
            .authorizer_id(a.id().unwrap())
            .send()
            .await
            .unwrap();
        rid
    }
}

fn function_uri(name: &str) -> String {
    format!("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:{name}/invocations")
}

/// The guide's AWS_PROXY step, an AWS (non-proxy) integration and both kinds of Lambda
/// authorizer, all served by functions of the built-in Lambda.
#[tokio::test]
async fn api_gateway_runs_built_in_functions_for_integrations_and_authorizers() {
    let s = Server::start();
    let dir = tempfile::tempdir().unwrap();
    create_role(&s);
    create_function(
        &s,
        dir.path(),
        "py",
        "python3.12",
        "app.handler",
        &zip_of(&[("app.py", PYTHON_APP.as_bytes(), 0o644)]),
        &[],
    );
    let bootstrap = std::fs::read(build_rust_bootstrap(dir.path())).unwrap();
    create_function(
        &s,
        dir.path(),
        "rust",
        "provided.al2023",
        "bootstrap",
        &zip_of(&[("bootstrap", &bootstrap, 0o755)]),
        &[],
    );
    let node = which("node");
    if node.is_some() {
        create_function(
            &s,
            dir.path(),
            "nodeauth",
            "nodejs20.x",
            "index.handler",
            &zip_of(&[("index.js", NODE_AUTHORIZER.as_bytes(), 0o644)]),
            &[],
        );
    }

    let c = s.sdk();
    let (api, root) = new_api(&c, "built-in lambda").await;
    // /proxy: AWS_PROXY to Python.
    proxy_to(&c, &api, &root, "proxy", "py").await;
    // /custom: AWS (non-proxy) to Rust, behind a TOKEN authorizer that is Rust too.
    let token = LambdaAuthorizer {
        name: "rust-token",
        kind: AuthorizerType::Token,
        function: "rust",
        identity_source: "method.request.header.Authorization",
    };
    let custom = token.guard(&c, &api, &root, "custom", "POST").await;
    let route = Route::new(&c, &api, &custom, "POST");
    route
        .put_integration()
        .r#type(IntegrationType::Aws)
        .integration_http_method("POST")
        .uri(function_uri("rust"))
        .send()
        .await
        .unwrap();
    c.put_method_response()
        .rest_api_id(&api)
        .resource_id(&custom)
        .http_method("POST")
        .status_code("200")
        .send()
        .await
        .unwrap();
    route
        .put_integration_response("200")
        .selection_pattern("")
        .send()
        .await
        .unwrap();
    // /node: MOCK behind a REQUEST authorizer in Node.js.
    if node.is_some() {
        let request = LambdaAuthorizer {
            name: "node-request",
            kind: AuthorizerType::Request,
            function: "nodeauth",
            identity_source: "method.request.header.X-User",
        };
        let rid = request.guard(&c, &api, &root, "node", "GET").await;
        Route::new(&c, &api, &rid, "GET").mock_json("{\"principal\": \"$context.authorizer.principalId\", \"runtime\": \"$context.authorizer.runtime\"}").await;
    }
    deploy(&c, &api, "dev").await;
    let base = stage_url(&s, &api, "dev");
    let http = s.http();

    let r = http.get(format!("{base}/proxy")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["x-runtime"], "python");
    let body: Value = r.json().await.unwrap();
    assert_eq!(
        body,
        json!({"calls": 1, "path": "/proxy", "fn": "py", "remaining": true})
    );
    let body: Value = http
        .get(format!("{base}/proxy"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["calls"], 2, "the worker stays warm");

    let r = http
        .post(format!("{base}/custom"))
        .header("Authorization", "allow")
        .json(&json!({"n": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({"from": "rust", "event": {"n": 1}})
    );
    let r = http
        .post(format!("{base}/custom"))
        .header("Authorization", "nope")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);

    if node.is_some() {
        let r = http
            .get(format!("{base}/node"))
            .header("X-User", "ann")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(
            r.json::<Value>().await.unwrap(),
            json!({"principal": "node-ann", "runtime": "node"})
        );
        let r = http
            .get(format!("{base}/node"))
            .header("X-User", "bob")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
    } else {
        eprintln!("node is not on the PATH: the Node.js authorizer part was skipped");
    }

    // A function that does not exist is a configuration error, as before (500).
    proxy_to(&c, &api, &root, "missing", "nope").await;
    deploy(&c, &api, "dev").await;
    let r = http.get(format!("{base}/missing")).send().await.unwrap();
    assert_eq!(r.status(), 500);
}

/// Changes sent at once all land: each applies to the function as the one before left it
/// (AddPermission for parallel `aws_lambda_permission` resources, as Terraform sends them).
#[tokio::test]
async fn concurrent_changes_all_land() {
    let s = Server::start();
    let dir = tempfile::tempdir().unwrap();
    create_role(&s);
    create_function(
        &s,
        dir.path(),
        "busy",
        "python3.12",
        "app.handler",
        &zip_of(&[("app.py", PYTHON_APP.as_bytes(), 0o644)]),
        &[],
    );
    let mut adds = tokio::task::JoinSet::new();
    for i in 0..16 {
        let add = s
            .http()
            .post(format!("{}/2015-03-31/functions/busy/policy", s.url))
            .json(&json!({
                "StatementId": format!("s{i}"),
                "Action": "lambda:InvokeFunction",
                "Principal": "apigateway.amazonaws.com",
            }))
            .send();
        adds.spawn(add);
    }
    for r in adds.join_all().await {
        assert_eq!(r.unwrap().status(), 201);
    }
    let policy = s.aws(&["lambda", "get-policy", "--function-name", "busy"]);
    let policy: Value = serde_json::from_str(policy["Policy"].as_str().unwrap()).unwrap();
    let mut sids: Vec<&str> = policy["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .map(|st| st["Sid"].as_str().unwrap())
        .collect();
    sids.sort_unstable();
    let mut wanted: Vec<String> = (0..16).map(|i| format!("s{i}")).collect();
    wanted.sort_unstable();
    assert_eq!(sids, wanted);

    // A reset forgets the function, as it wipes the store.
    let r = s
        .http()
        .post(format!("{}/_apigw/reset", s.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    s.assert_aws_cli_err(
        &["lambda", "get-function", "--function-name", "busy"],
        "ResourceNotFoundException",
        "Function not found: arn:aws:lambda:us-east-1:000000000000:function:busy",
    );
}

/// A function and its code outlive a restart on a database file.
#[tokio::test]
async fn functions_survive_a_restart() {
    if memory_mode() {
        eprintln!("runs on a database file in either pass: once is enough");
        return;
    }
    let s = Server::start_file();
    let dir = tempfile::tempdir().unwrap();
    create_role(&s);
    create_function(
        &s,
        dir.path(),
        "kept",
        "python3.12",
        "app.count",
        &zip_of(&[("app.py", PYTHON_APP.as_bytes(), 0o644)]),
        &[],
    );
    let db = s.db.clone();
    let folder = s.stop();
    let s = Server::start_on(&db);
    assert_eq!(
        invoke(&s, dir.path(), "kept", "{}", &[]).1,
        json!({"calls": 1})
    );
    drop(folder);
}

fn which(program: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(program))
        .find(|p| p.is_file())
}

#[tokio::test]
async fn list_functions_pages_by_50_at_most() {
    let s = Server::start();
    create_role(&s);
    let zip = base64::engine::general_purpose::STANDARD.encode(zip_of(&[(
        "app.py",
        b"def handler(e, c):\n    return 1\n",
        0o644,
    )]));
    let names: Vec<String> = (0..51).map(|i| format!("f{i:02}")).collect();
    for name in &names {
        let r = s
            .http()
            .post(format!("{}/2015-03-31/functions", s.url))
            .json(&json!({
                "FunctionName": name, "Runtime": "python3.12", "Handler": "app.handler",
                "Role": ROLE, "Code": {"ZipFile": zip},
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "{name}");
    }
    // Asking for more still gives 50, and a marker for the rest.
    let page: Value = s
        .http()
        .get(format!("{}/2015-03-31/functions/?MaxItems=100", s.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["Functions"].as_array().unwrap().len(), 50);
    assert_eq!(page["Functions"][49]["FunctionName"], "f49");
    let marker = page["NextMarker"].as_str().unwrap();
    let rest: Value = s
        .http()
        .get(format!(
            "{}/2015-03-31/functions/?MaxItems=100&Marker={marker}",
            s.url
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(rest["Functions"][0]["FunctionName"], "f50");
    assert!(rest.get("NextMarker").is_none());
    // The aws CLI follows the markers and lists all 51.
    let all = s.aws(&["lambda", "list-functions"]);
    let listed: Vec<&str> = all["Functions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["FunctionName"].as_str().unwrap())
        .collect();
    assert_eq!(listed, names);
}

/// Invoke `name` with `LogType: Tail`: Invoke's metadata, the answer and the decoded tail.
fn invoke_tail(s: &Server, dir: &Path, name: &str) -> (Value, Value, String) {
    let (meta, body) = invoke(s, dir, name, "{}", &["--log-type", "Tail"]);
    let tail = base64::engine::general_purpose::STANDARD
        .decode(meta["LogResult"].as_str().unwrap())
        .unwrap();
    (meta, body, String::from_utf8(tail).unwrap())
}

#[tokio::test]
async fn the_tail_is_the_last_4_kb_of_everything_the_function_wrote() {
    let s = Server::start();
    create_role(&s);
    let dir = tempfile::tempdir().unwrap();
    // 3,000 lines, a last one without its newline, and one on stderr, just before the answer.
    let python = r#"
import io, os, sys
def handler(event, context):
    for i in range(3000):
        print("line %d" % i)
    sys.stdout.write("partial")
    print("to stderr", file=sys.stderr)
    return {}
def quiet(event, context):
    # A handler that closes its stdout, or silences print and leaves it so, still answers,
    # its tail whole.
    print("before")
    if event.get("close"):
        sys.stdout.close()
    else:
        sys.stdout = io.StringIO()
        print("swallowed")
    return {"quiet": True}
"#;
    let node = r#"
exports.handler = async () => {
  for (let i = 0; i < 3000; i++) console.log(`line ${i}`);
  process.stdout.write("partial");
  console.error("to stderr");
  return {};
};
exports.circular = async () => { const o = {}; o.self = o; return o; };
"#;
    let mut functions = vec![(
        "py",
        "python3.12",
        "app.handler",
        zip_of(&[("app.py", python.as_bytes(), 0o644)]),
    )];
    if which("node").is_some() {
        functions.push((
            "js",
            "nodejs20.x",
            "index.handler",
            zip_of(&[("index.js", node.as_bytes(), 0o644)]),
        ));
    }
    for (name, runtime, handler, zip) in &functions {
        create_function(&s, dir.path(), name, runtime, handler, zip, &[]);
        for _ in 0..3 {
            let (_, _, tail) = invoke_tail(&s, dir.path(), name);
            // The last 4 KB: the window is full, and it reaches back past line 2950.
            assert!(tail.len() > 4000, "{name}: {} bytes", tail.len());
            assert!(tail.contains("\nline 2950\n"), "{name}: {tail}");
            for wanted in [
                "line 2999\n",
                "\npartial\n",
                "to stderr\n",
                "\nREPORT RequestId: ",
            ] {
                assert!(tail.contains(wanted), "{name}: no {wanted:?} in {tail}");
            }
            assert!(
                !tail.contains('\u{1}'),
                "{name}: the end mark shows in {tail}"
            );
        }
    }
    let update = |name: &str, handler: &str| {
        s.aws(&[
            "lambda",
            "update-function-configuration",
            "--function-name",
            name,
            "--handler",
            handler,
        ])
    };
    update("py", "app.quiet");
    let (_, body, tail) = invoke_tail(&s, dir.path(), "py");
    assert_eq!(body, json!({"quiet": true}));
    assert!(
        tail.contains("before\n") && !tail.contains("swallowed"),
        "{tail}"
    );
    let (meta, body) = invoke(&s, dir.path(), "py", r#"{"close": true}"#, &[]);
    assert_eq!(meta.get("FunctionError"), None, "{body}");
    assert_eq!(body, json!({"quiet": true}));
    // A result Node.js cannot serialise is the function's error, its [ERROR] line in the tail.
    if which("node").is_some() {
        update("js", "index.circular");
        let (meta, body, tail) = invoke_tail(&s, dir.path(), "js");
        assert_eq!(meta["FunctionError"], "Unhandled");
        assert_eq!(body["errorType"], "TypeError");
        assert!(tail.contains("[ERROR] TypeError: "), "{tail}");
    }
}
