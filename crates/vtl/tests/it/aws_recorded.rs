//! Behaviour recorded against AWS (`/work/shared/aws-recorded/*.snapshot.json`, from the
//! LocalStack test suite at 8b9a79f). Templates are those the recorded tests deployed.

use apigw_vtl::{Context, Template};

use crate::render;

/// test_apigateway_common.snapshot.json, `test_input_path_template_formatting`: the echo
/// integration returns `{"json": <request body>}` and the response templates below run on it.
#[test]
fn input_path_template_formatting() {
    let path = "#set($result = $input.path(\"$.json\"))$result";
    let nested = "#set($result = $input.path(\"$.json\"))$result.nested";
    let list = "#set($result = $input.path(\"$.json\"))$result[0]";
    let to_string = "#set($result = $input.path(\"$.json\"))$result.toString()";
    let probe = |p: &str| {
        format!(
            "#set($result = $input.path(\"{p}\")){{\"body\": $result, \"nested\": $result.nested, \"isNull\": #if( $result == $null )\"true\"#else\"false\"#end, \"isEmptyString\": #if( $result == \"\" )\"true\"#else\"false\"#end}}"
        )
    };
    let invalid = probe("$.nonExisting");
    let nested_list = probe("$.json.listValue");
    let echo = |body: &str| format!(r#"{{"json": {body}, "headers": {{}}}}"#);
    let cases: &[(&str, &str, String, &str)] = &[
        (
            "dict-response",
            path,
            echo(r#"{"foo": "bar"}"#),
            "{foo=bar}",
        ),
        (
            "json-list",
            path,
            echo(r#"[{"foo": "bar"}]"#),
            r#"[{"foo":"bar"}]"#,
        ),
        (
            "nested-dict",
            nested,
            echo(r#"{"nested": {"foo": "bar"}}"#),
            "{foo=bar}",
        ),
        (
            "nested-list",
            nested,
            echo(r#"{"nested": [{"foo": "bar"}]}"#),
            r#"[{"foo":"bar"}]"#,
        ),
        (
            "dict-in-list",
            list,
            echo(r#"[{"foo": "bar"}]"#),
            "{foo=bar}",
        ),
        (
            "list-with-nested-list",
            list,
            echo(r#"[[{"foo": "bar"}]]"#),
            r#"[{"foo":"bar"}]"#,
        ),
        (
            "dict-with-nested-list",
            path,
            echo(r#"{"foo": [{"nested": "bar"}]}"#),
            r#"{foo=[{"nested":"bar"}]}"#,
        ),
        (
            "bigger-dict",
            path,
            echo(r#"{"bigger": "dict", "to": "test", "with": "separators"}"#),
            "{bigger=dict, to=test, with=separators}",
        ),
        (
            "to-string",
            to_string,
            echo(r#"{"foo": "bar"}"#),
            "{foo=bar}",
        ),
        (
            "list-to-string",
            to_string,
            echo(r#"{"list": [{"foo": "bar"}]}"#),
            r#"{list=[{"foo":"bar"}]}"#,
        ),
        (
            "empty-body",
            &invalid,
            String::new(),
            r#"{"body": , "nested": , "isNull": "true", "isEmptyString": "true"}"#,
        ),
        (
            "nested-empty-list",
            &nested_list,
            echo(r#"{"listValue": []}"#),
            r#"{"body": [], "nested": , "isNull": "false", "isEmptyString": "false"}"#,
        ),
        (
            "nested-null-list",
            &nested_list,
            echo(r#"{"listValue": null}"#),
            r#"{"body": , "nested": , "isNull": "true", "isEmptyString": "true"}"#,
        ),
    ];
    for (label, template, body, recorded) in cases {
        assert_eq!(
            render(template, &Context::with_body(body.as_str())),
            *recorded,
            "{label}"
        );
    }
}

/// test_apigateway_common.snapshot.json, `test_input_body_formatting`: request templates
/// rendered for an empty body, `{"some": "value"}` and `some raw data`.
#[test]
fn input_body_formatting() {
    let raw = "#set($result = $input.body)$result";
    let in_str = "Action=SendMessage&MessageBody=$input.body";
    let attr = "#set($result = $input.body.testAccess)$result";
    let url = "EncodedBody=$util.urlEncode($input.body)&EncodedBodyAccess=$util.urlEncode($input.body.testAccess)";
    let bodies = ["", r#"{"some": "value"}"#, "some raw data"];
    let cases: &[(&str, [&str; 3])] = &[
        (raw, ["{}", r#"{"some": "value"}"#, "some raw data"]),
        (
            in_str,
            [
                "Action=SendMessage&MessageBody={}",
                r#"Action=SendMessage&MessageBody={"some": "value"}"#,
                "Action=SendMessage&MessageBody=some raw data",
            ],
        ),
        (attr, ["", "", ""]),
        (
            url,
            [
                "EncodedBody=%7B%7D&EncodedBodyAccess=",
                "EncodedBody=%7B%22some%22%3A+%22value%22%7D&EncodedBodyAccess=",
                "EncodedBody=some+raw+data&EncodedBodyAccess=",
            ],
        ),
    ];
    for (template, outputs) in cases {
        for (body, want) in bodies.iter().zip(outputs) {
            assert_eq!(
                render(template, &Context::with_body(*body)),
                *want,
                "{template} / {body:?}"
            );
        }
    }
}

/// test_apigateway_integrations.snapshot.json,
/// `test_integration_mock_with_response_override_in_request_template`: overrides set by the
/// request template (including an unknown key) reach the response template.
#[test]
fn response_override_passed_between_templates() {
    let request = Template::parse(
        "\n#set($context.responseOverride.status = 444)\n#set($context.responseOverride.header.foo = \"bar\")\n#set($context.responseOverride.custom = \"is also passed around\")\n{\n  \"statusCode\": 200\n}\n",
    )
    .unwrap();
    let response = Template::parse(
        "\n#set($statusOverride = $context.responseOverride.status)\n#set($fooHeader = $context.responseOverride.header.foo)\n#set($custom = $context.responseOverride.custom)\n{\n    \"statusOverride\": \"$statusOverride\",\n    \"fooHeader\": \"$fooHeader\",\n    \"custom\": \"$custom\"\n}\n",
    )
    .unwrap();
    let mut ctx = Context::default();
    let first = request.render(&ctx).unwrap();
    assert_eq!(first.response_override.status, Some(444));
    assert_eq!(
        first.response_override.header,
        vec![("foo".into(), "bar".into())]
    );
    ctx.carry_overrides(&first);
    let second = response.render(&ctx).unwrap();
    assert_eq!(
        crate::json(&second.output),
        serde_json::json!({"custom": "is also passed around", "fooHeader": "bar", "statusOverride": "444"})
    );
    assert_eq!(second.response_override.status, Some(444));
}

/// test_apigateway_integrations.snapshot.json, `test_integration_mock_with_vtl_map_assignation`.
#[test]
fn vtl_map_assignation() {
    let request = Template::parse(
        "\n#set($paramName = \"foo\")\n#set($context.requestOverride.querystring[$paramName] = \"bar\")\n#set($paramPutName = \"putfoo\")\n$context.requestOverride.querystring.put($paramPutName, \"putBar\")\n#set($context[\"requestOverride\"].querystring[\"nestedfoo\"] = \"nestedFoo\")\n{\n  \"statusCode\": 200\n}\n",
    )
    .unwrap();
    let response = Template::parse(
        "\n#set($value = $context.requestOverride.querystring[\"foo\"])\n#set($value2 = $context.requestOverride.querystring[\"putfoo\"])\n#set($value3 = $context.requestOverride.querystring[\"nestedfoo\"])\n{\n    \"value\": \"$value\",\n    \"value2\": \"$value2\",\n    \"value3\": \"$value3\"\n}\n",
    )
    .unwrap();
    let mut ctx = Context::default();
    let first = request.render(&ctx).unwrap();
    assert_eq!(
        crate::json(&first.output),
        serde_json::json!({"statusCode": 200})
    );
    ctx.carry_overrides(&first);
    let second = response.render(&ctx).unwrap();
    assert_eq!(
        crate::json(&second.output),
        serde_json::json!({"value": "bar", "value2": "putBar", "value3": "nestedFoo"})
    );
}

/// test_apigateway_integrations.snapshot.json,
/// `test_integration_mock_with_request_overrides_in_response_template`.
#[test]
fn request_override_path_carries_data() {
    let request = Template::parse(
        "#set($body = $util.base64Decode($input.params('testPath')))\n#set($context.requestOverride.path.body = $body)\n{\n  \"statusCode\": 200\n}\n",
    )
    .unwrap();
    let response = Template::parse(
        "\n#set($body = $util.parseJson($context.requestOverride.path.body))\n#set($inputBody = $body.message)\n#if($inputBody == \"path1\")\n{\n  \"response\": \"path was path one\"\n}\n#elseif($inputBody == \"path2\")\n{\n  \"response\": \"path was path two\"\n}\n#else\n{\n  \"response\": \"this is the else clause\"\n}\n#end\n",
    )
    .unwrap();
    for (message, want) in [
        ("path1", "path was path one"),
        ("path2", "path was path two"),
        ("nope", "this is the else clause"),
    ] {
        let payload = format!(r#"{{"message": "{message}"}}"#);
        let encoded = {
            use base64::Engine as _;
            base64::engine::general_purpose::STANDARD.encode(payload)
        };
        let mut ctx = Context::default();
        ctx.params.path.push(("testPath".into(), encoded));
        let first = request.render(&ctx).unwrap();
        ctx.carry_overrides(&first);
        let out = response.render(&ctx).unwrap().output;
        assert_eq!(crate::json(&out), serde_json::json!({"response": want}));
    }
}

/// test_apigateway_sqs.snapshot.json, `test_sqs_amz_json_protocol`: iterating `$context`
/// prints nested objects as empty text and shows the override maps' keys.
#[test]
fn context_key_iteration() {
    let template = "{#foreach( $key in $context.keySet() )\"$key\": \"$context.get($key)\"#if($foreach.hasNext),#end#end}|{#foreach( $key in $context.requestOverride.keySet() )\"$key\": \"$context.requestOverride.get($key)\"#if($foreach.hasNext),#end#end}|{#foreach( $key in $context.responseOverride.keySet() )\"$key\": \"$context.responseOverride.get($key)\"#if($foreach.hasNext),#end#end}|{#foreach( $key in $context.authorizer.keySet() )\"$key\": \"$util.escapeJavaScript($context.authorizer.get($key))\"#if($foreach.hasNext),#end#end}";
    let ctx = crate::ctx_with(serde_json::json!({
        "authorizer": {}, "identity": {"sourceIp": "192.0.2.1"}, "resourcePath": "/sqs"
    }));
    assert_eq!(
        render(template, &ctx),
        r#"{"authorizer": "","identity": "","resourcePath": "/sqs","requestOverride": "","responseOverride": ""}|{"path": "","header": "","querystring": ""}|{"header": ""}|{}"#
    );
}

/// test_apigateway_api.snapshot.json, `test_gateway_response_put`: the gateway response
/// template AWS stores, rendered for a 404 with a stage variable.
#[test]
fn gateway_response_template() {
    let template = "{\n     \"message\": $context.error.messageString,\n     \"type\":  \"$context.error.responseType\",\n     \"stage\":  \"$context.stage\",\n     \"resourcePath\":  \"$context.resourcePath\",\n     \"stageVariables.a\":  \"$stageVariables.a\",\n     \"statusCode\": \"'404'\"\n}";
    let mut ctx = crate::ctx_with(serde_json::json!({
        "error": {"messageString": "\"Missing Authentication Token\"", "responseType": "MISSING_AUTHENTICATION_TOKEN"},
        "stage": "dev", "resourcePath": "/x"
    }));
    ctx.stage_variables.push(("a".into(), "b".into()));
    assert_eq!(
        crate::json(&render(template, &ctx)),
        serde_json::json!({"message": "Missing Authentication Token", "type": "MISSING_AUTHENTICATION_TOKEN",
            "stage": "dev", "resourcePath": "/x", "stageVariables.a": "b", "statusCode": "'404'"})
    );
}
