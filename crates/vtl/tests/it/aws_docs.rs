//! Every mapping-template example found in the API Gateway developer guide
//! (awsdocs/amazon-api-gateway-developer-guide, `doc_source/`), with the output AWS documents.
//!
//! The guide shows outputs pretty-printed, so JSON outputs are compared as JSON; where the exact
//! text matters (Velocity's whitespace rules), the exact rendering is asserted too.

use apigw_vtl::{Context, Template};

use crate::{json, render};

const PETS: &str = r#"[
  {"id": 1, "type": "dog", "price": 249.99},
  {"id": 2, "type": "cat", "price": 124.99},
  {"id": 3, "type": "fish", "price": 0.99}
]"#;

const GROCERIES: &str = r#"{
  "department": "produce",
  "categories": ["fruit", "vegetables"],
  "bins": [
    {"category": "fruit", "type": "apples", "price": 1.99, "unit": "pound", "quantity": 232},
    {"category": "fruit", "type": "bananas", "price": 0.19, "unit": "each", "quantity": 112},
    {"category": "vegetables", "type": "carrots", "price": 1.29, "unit": "bag", "quantity": 57}
  ]
}"#;

const PHOTOS: &str = r#"{
  "photos": {
    "page": 1, "pages": "1234", "perpage": 100, "total": "123398",
    "photo": [
      {"id": "12345678901", "owner": "23456789@A12", "secret": "abc123d456", "server": "1234",
       "farm": 1, "title": "Sample photo 1", "ispublic": 1, "isfriend": 0, "isfamily": 0},
      {"id": "23456789012", "owner": "34567890@B23", "secret": "bcd234e567", "server": "2345",
       "farm": 2, "title": "Sample photo 2", "ispublic": 1, "isfriend": 0, "isfamily": 0}
    ]
  }
}"#;

/// `(name, body, template, documented output)`, JSON outputs compared as JSON.
const JSON_EXAMPLES: &[(&str, &str, &str, &str)] = &[
    (
        // models-mappings.md, "Mapping templates".
        "grocery choices",
        GROCERIES,
        "#set($inputRoot = $input.path('$'))\n{\n  \"choices\": [\n#foreach($elem in $inputRoot.bins)\n    {\n      \"kind\": \"$elem.type\",\n      \"suggestedPrice\": \"$elem.price per $elem.unit\",\n      \"available\": $elem.quantity\n    }#if($foreach.hasNext),#end\n            \n#end\n  ]\n}",
        r#"{"choices": [
            {"kind": "apples", "suggestedPrice": "1.99 per pound", "available": 232},
            {"kind": "bananas", "suggestedPrice": "0.19 per each", "available": 112},
            {"kind": "carrots", "suggestedPrice": "1.29 per bag", "available": 57}]}"#,
    ),
    (
        // api-gateway-create-api-step-by-step.md, "lambdaflattensome".
        "pet store flatten some",
        PETS,
        "#set($inputRoot = $input.path('$'))\n[\n#foreach($elem in $inputRoot)\n  {\n    \"description\" : \"Item $elem.id is a $elem.type.\",\n    \"askingPrice\" : $elem.price\n  }#if($foreach.hasNext),#end\n\n#end\n]",
        r#"[{"description": "Item 1 is a dog.", "askingPrice": 249.99},
            {"description": "Item 2 is a cat.", "askingPrice": 124.99},
            {"description": "Item 3 is a fish.", "askingPrice": 0.99}]"#,
    ),
    (
        // api-gateway-create-api-step-by-step.md, "noflatten".
        "pet store no flatten",
        PETS,
        "#set($inputRoot = $input.path('$'))\n[\n#foreach($elem in $inputRoot)\n  {\n    \"number\": $elem.id,\n    \"class\": \"$elem.type\",\n    \"salesPrice\": $elem.price \n  }#if($foreach.hasNext),#end\n\n#end\n]",
        r#"[{"number": 1, "class": "dog", "salesPrice": 249.99},
            {"number": 2, "class": "cat", "salesPrice": 124.99},
            {"number": 3, "class": "fish", "salesPrice": 0.99}]"#,
    ),
    (
        // example-photos.md, "Output mapping template".
        "photos output mapping",
        PHOTOS,
        "#set($inputRoot = $input.path('$'))\n{\n  \"photos\": [\n#foreach($elem in $inputRoot.photos.photo)\n    {\n      \"id\": \"$elem.id\",\n      \"owner\": \"$elem.owner\",\n      \"title\": \"$elem.title\",\n      \"ispublic\": $elem.ispublic,\n      \"isfriend\": $elem.isfriend,\n      \"isfamily\": $elem.isfamily\n    }#if($foreach.hasNext),#end\n\t\t\n#end\n  ]\n}",
        r#"{"photos": [
            {"id": "12345678901", "owner": "23456789@A12", "title": "Sample photo 1", "ispublic": 1, "isfriend": 0, "isfamily": 0},
            {"id": "23456789012", "owner": "34567890@B23", "title": "Sample photo 2", "ispublic": 1, "isfriend": 0, "isfamily": 0}]}"#,
    ),
    (
        // example-photos.md, "Input mapping template": re-creates the original data.
        "photos input mapping",
        PHOTOS,
        "#set($inputRoot = $input.path('$'))\n{\n  \"photos\": {\n    \"page\": $inputRoot.photos.page,\n    \"pages\": \"$inputRoot.photos.pages\",\n    \"perpage\": $inputRoot.photos.perpage,\n    \"total\": \"$inputRoot.photos.total\",\n    \"photo\": [\n#foreach($elem in $inputRoot.photos.photo)\n      {\n        \"id\": \"$elem.id\",\n        \"owner\": \"$elem.owner\",\n        \"secret\": \"$elem.secret\",\n        \"server\": \"$elem.server\",\n        \"farm\": $elem.farm,\n        \"title\": \"$elem.title\",\n        \"ispublic\": $elem.ispublic,\n        \"isfriend\": $elem.isfriend,\n        \"isfamily\": $elem.isfamily\n      }#if($foreach.hasNext),#end\n\t\t\t\n#end\n    ]\n  }\n}",
        PHOTOS,
    ),
    (
        // api-gateway-mapping-template-reference.md, `$util.parseJson()`.
        "parseJson",
        r#"{"errorMessage":"{\"key1\":\"var1\",\"key2\":{\"arr\":[1,2,3]}}"}"#,
        "#set ($errorMessageObj = $util.parseJson($input.path('$.errorMessage')))\n{\n   \"errorMessageObjKey2ArrVal\" : $errorMessageObj.key2.arr[0]\n}\n",
        r#"{"errorMessageObjKey2ArrVal" : 1}"#,
    ),
    (
        // api-gateway-mapping-template-reference.md, "Example JSON mapping template using $input".
        "name and whole body",
        r#"{"mykey": {"a": [1, 2]}, "other": true}"#,
        "{\n    \"name\" : \"$input.params('name')\",\n    \"body\" : $input.json('$') \n}",
        r#"{"name": "Fido", "body": {"mykey": {"a": [1, 2]}, "other": true}}"#,
    ),
    (
        // api-gateway-mapping-template-reference.md, `$input.json('$.mykey')`.
        "name and body key",
        r#"{"mykey": {"a": [1, 2]}, "other": true}"#,
        "{\n    \"name\" : \"$input.params('name')\",\n    \"body\" : $input.json('$.mykey')  \n}",
        r#"{"name": "Fido", "body": {"a": [1, 2]}}"#,
    ),
];

fn named_request(body: &str) -> Context {
    let mut ctx = Context::with_body(body);
    ctx.params.querystring.push(("name".into(), "Fido".into()));
    ctx
}

#[test]
fn documented_json_outputs() {
    for (name, body, template, documented) in JSON_EXAMPLES {
        let out = render(template, &named_request(body));
        assert_eq!(json(&out), json(documented), "{name}: rendered {out}");
    }
}

#[test]
fn grocery_choices_exact_whitespace() {
    // Velocity 1.7: `#foreach(...)\n` and `#end\n` swallow their newline, the whitespace line
    // before `#end` is kept, as the guide's output (with its trailing spaces) shows.
    let (_, body, template, _) = JSON_EXAMPLES[0];
    let out = render(template, &Context::with_body(body));
    let item = |kind: &str, price: &str, unit: &str, n: u32, comma: &str| {
        format!(
            "    {{\n      \"kind\": \"{kind}\",\n      \"suggestedPrice\": \"{price} per {unit}\",\n      \"available\": {n}\n    }}{comma}            \n"
        )
    };
    let want = format!(
        "{{\n  \"choices\": [\n{}{}{}  ]\n}}",
        item("apples", "1.99", "pound", 232, ","),
        item("bananas", "0.19", "each", 112, ","),
        item("carrots", "1.29", "bag", 57, ""),
    );
    assert_eq!(out, want);
}

#[test]
fn pet_store_listings() {
    // api-gateway-create-api-step-by-step.md, "petstorewalkthrough/lambdaflattensome" listings.
    let template = "#set($inputRoot = $input.path('$'))\n{\n  \"listings\" : [\n#foreach($elem in $inputRoot)\n    \"Item number $elem.id is a $elem.type. The asking price is $elem.price.\"#if($foreach.hasNext),#end\n        \n#end\n  ]\n}";
    let out = render(template, &Context::with_body(PETS));
    assert_eq!(
        out,
        "{\n  \"listings\" : [\n    \"Item number 1 is a dog. The asking price is 249.99.\",        \n    \"Item number 2 is a cat. The asking price is 124.99.\",        \n    \"Item number 3 is a fish. The asking price is 0.99.\"        \n  ]\n}"
    );
    assert_eq!(
        json(&out),
        json(
            r#"{"listings": ["Item number 1 is a dog. The asking price is 249.99.",
            "Item number 2 is a cat. The asking price is 124.99.",
            "Item number 3 is a fish. The asking price is 0.99."]}"#
        )
    );
}

#[test]
fn things_example() {
    // api-gateway-mapping-template-reference.md, "Example request and response using $input".
    // The guide prints the integration's echo, re-formatted; `escapeJavaScript` really escapes
    // the quotes of the JSON it is given, so the `things` member is checked unescaped.
    let template = "{\n    \"id\" : \"$input.params('id')\",\n    \"count\" : \"$input.path('$.things').size()\",\n    \"things\" : $util.escapeJavaScript($input.json('$.things'))\n}";
    let mut ctx = Context::with_body(r#"{"things" : {"1" : {}, "2" : {}, "3" : {}}}"#);
    ctx.params.path.push(("id".into(), "abc".into()));
    let out = render(template, &ctx);
    assert_eq!(
        out,
        "{\n    \"id\" : \"abc\",\n    \"count\" : \"3\",\n    \"things\" : {\\\"1\\\":{},\\\"2\\\":{},\\\"3\\\":{}}\n}"
    );
    let unescaped = out.replace("\\\"", "\"");
    assert_eq!(
        json(&unescaped),
        json(r#"{"id": "abc", "count": "3", "things": {"1": {}, "2": {}, "3": {}}}"#)
    );
}

#[test]
fn all_params_loop() {
    // api-gateway-mapping-template-reference.md, "Parameter mapping template example".
    let template = "#set($allParams = $input.params())\n{\n  \"params\" : {\n    #foreach($type in $allParams.keySet())\n    #set($params = $allParams.get($type))\n    \"$type\" : {\n      #foreach($paramName in $params.keySet())\n      \"$paramName\" : \"$util.escapeJavaScript($params.get($paramName))\"\n      #if($foreach.hasNext),#end\n      #end\n    }\n    #if($foreach.hasNext),#end\n    #end\n  }\n}";
    let mut ctx = Context::default();
    ctx.params.path.push(("petId".into(), "7".into()));
    ctx.params.querystring.push(("q".into(), "it's".into()));
    ctx.params
        .header
        .push(("Accept".into(), "application/json".into()));
    ctx.params.header.push(("X-Custom".into(), "a\"b".into()));
    let out = render(template, &ctx);
    let parsed = json(&out.replace("\\'", "'"));
    assert_eq!(
        parsed,
        json(
            r#"{"params": {"path": {"petId": "7"}, "querystring": {"q": "it's"},
                "header": {"Accept": "application/json", "X-Custom": "a\"b"}}}"#
        )
    );
}

#[test]
fn context_variables_example() {
    // api-gateway-mapping-variable-examples.md, Example 1.
    let template = "{\n    \"stage\" : \"$context.stage\",\n    \"request_id\" : \"$context.requestId\",\n    \"api_id\" : \"$context.apiId\",\n    \"resource_path\" : \"$context.resourcePath\",\n    \"resource_id\" : \"$context.resourceId\",\n    \"http_method\" : \"$context.httpMethod\",\n    \"source_ip\" : \"$context.identity.sourceIp\",\n    \"user-agent\" : \"$context.identity.userAgent\",\n    \"account_id\" : \"$context.identity.accountId\",\n    \"api_key\" : \"$context.identity.apiKey\",\n    \"caller\" : \"$context.identity.caller\",\n    \"user\" : \"$context.identity.user\",\n    \"user_arn\" : \"$context.identity.userArn\"\n}";
    let ctx = crate::ctx_with(serde_json::json!({
        "stage": "prod", "requestId": "abcdefg-000-000-0000-abcdefg", "apiId": "abcd1234",
        "resourcePath": "/", "resourceId": "efg567", "httpMethod": "GET",
        "identity": {"sourceIp": "192.0.2.1", "userAgent": "curl/7.84.0",
            "accountId": "111122223333", "apiKey": "MyTestKey", "caller": "ABCD-0000-12345",
            "user": "ABCD-0000-12345",
            "userArn": "arn:aws:sts::111122223333:assumed-role/Admin/carlos-salazar"}
    }));
    let out = render(template, &ctx);
    assert_eq!(
        json(&out),
        json(
            r#"{"stage": "prod", "request_id": "abcdefg-000-000-0000-abcdefg",
            "api_id": "abcd1234", "resource_path": "/", "resource_id": "efg567",
            "http_method": "GET", "source_ip": "192.0.2.1", "user-agent": "curl/7.84.0",
            "account_id": "111122223333", "api_key": "MyTestKey", "caller": "ABCD-0000-12345",
            "user": "ABCD-0000-12345",
            "user_arn": "arn:aws:sts::111122223333:assumed-role/Admin/carlos-salazar"}"#
        )
    );
}

#[test]
fn response_status_override() {
    // apigateway-override-request-response-parameters.md, response status tutorial.
    let template = "#set($inputRoot = $input.path('$'))\n$input.json(\"$\")\n#if($inputRoot.toString().contains(\"error\"))\n#set($context.responseOverride.status = 400)\n#end";
    let t = Template::parse(template).unwrap();
    let err =
        r#"{"errors": [{"key": "GetPetRequest.petId", "message": "The value is out of range."}]}"#;
    let r = t.render(&Context::with_body(err)).unwrap();
    assert_eq!(r.response_override.status, Some(400));
    assert_eq!(json(&r.output), json(err));
    let ok = t.render(&Context::with_body(r#"{"id": 1}"#)).unwrap();
    assert_eq!(ok.response_override.status, None);
}

#[test]
fn request_header_override() {
    // apigateway-override-request-response-parameters.md, request header tutorial: AWS logs
    // `header3=header1Valheader2Val, header1=foo, multivalueheader=foo,header1Valheader2Val`.
    let template = "#set($header1Override = \"foo\")\n#set($header3Value = \"$input.params('header1')$input.params('header2')\")\n$input.json(\"$\")\n#set($context.requestOverride.header.header3 = $header3Value)\n#set($context.requestOverride.header.header1 = $header1Override)\n#set($context.requestOverride.header.multivalueheader=[$header1Override, $header3Value])";
    let mut ctx = Context::with_body("{}");
    ctx.params
        .header
        .push(("header1".into(), "header1Val".into()));
    ctx.params
        .header
        .push(("header2".into(), "header2Val".into()));
    let r = Template::parse(template).unwrap().render(&ctx).unwrap();
    assert_eq!(r.output, "{}\n");
    let h: std::collections::HashMap<_, _> = r.request_override.header.into_iter().collect();
    assert_eq!(h["header3"], "header1Valheader2Val");
    assert_eq!(h["header1"], "foo");
    assert_eq!(h["multivalueheader"], "foo,header1Valheader2Val");
}

#[test]
fn escape_javascript_then_unescape_quotes() {
    // api-gateway-mapping-template-reference.md, `$util.escapeJavaScript()`.
    let template = "#set($data = $input.path('$.data'))\"$util.escapeJavaScript($data).replaceAll(\"\\\\'\",\"'\")\"";
    let out = render(
        template,
        &Context::with_body(r#"{"data": "it's \"quoted\""}"#),
    );
    assert_eq!(out, r#""it's \"quoted\"""#);
    assert_eq!(json(&out), serde_json::json!("it's \"quoted\""));
}

#[test]
fn stage_variables_syntaxes() {
    // api-gateway-mapping-template-reference.md, `$stageVariables`: three equivalent forms.
    let mut ctx = Context::default();
    ctx.stage_variables
        .push(("variable_name".into(), "v1".into()));
    let out = render(
        "$stageVariables.variable_name $stageVariables['variable_name'] ${stageVariables['variable_name']}",
        &ctx,
    );
    assert_eq!(out, "v1 v1 v1");
}
