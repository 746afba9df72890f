//! CloudWatch Logs and IAM, the subsets API Gateway's logging guide uses, through the aws CLI
//! against the real binary; `put_events` (what the data plane writes access logs with) and
//! `role_exists` against the server's own database file while it runs.

use serde_json::{json, Value};

use apigw_store::logs::{put_events, LogEvent};

use crate::harness::Server;

const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"apigateway.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
const PUSH_POLICY: &str =
    "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs";

fn now_ms() -> i64 {
    apigw_store::logs::now_ms()
}

fn names(v: &Value, list: &str, member: &str) -> Vec<String> {
    v[list]
        .as_array()
        .unwrap_or_else(|| panic!("no {list} in {v}"))
        .iter()
        .map(|x| x[member].as_str().unwrap().to_string())
        .collect()
}

fn messages(v: &Value) -> Vec<String> {
    names(v, "events", "message")
}

/// `--log-events` for the CLI: a JSON list of events.
fn events_arg(events: &[(i64, &str)]) -> String {
    let list: Vec<Value> = events
        .iter()
        .map(|(t, m)| json!({"timestamp": t, "message": m}))
        .collect();
    Value::Array(list).to_string()
}

#[test]
fn guide_sequence_role_policy_group_then_read_access_logs() {
    let s = Server::start_file();
    let role = s.aws(&[
        "iam",
        "create-role",
        "--role-name",
        "apigw-logs",
        "--assume-role-policy-document",
        TRUST,
    ]);
    let r = &role["Role"];
    assert_eq!(r["RoleName"], "apigw-logs");
    assert_eq!(r["Path"], "/");
    assert_eq!(r["Arn"], "arn:aws:iam::000000000000:role/apigw-logs");
    let id = r["RoleId"].as_str().unwrap();
    assert!(id.starts_with("AROA") && id.len() == 21, "{id}");
    // botocore URL-decodes and parses the policy document.
    assert_eq!(
        r["AssumeRolePolicyDocument"],
        serde_json::from_str::<Value>(TRUST).unwrap()
    );
    let date = r["CreateDate"].as_str().unwrap();
    assert!(chrono::DateTime::parse_from_rfc3339(date).is_ok(), "{date}");

    let attached = s.aws(&[
        "iam",
        "attach-role-policy",
        "--role-name",
        "apigw-logs",
        "--policy-arn",
        PUSH_POLICY,
    ]);
    assert_eq!(attached, Value::Null);
    let created = s.aws(&[
        "logs",
        "create-log-group",
        "--log-group-name",
        "apigw-access",
    ]);
    assert_eq!(created, Value::Null);

    // The role the lead's data plane checks, seen from the store the server uses.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let store = rt
        .block_on(apigw_store::Store::open(s.db.to_str().unwrap()))
        .unwrap();
    let arn = "arn:aws:iam::000000000000:role/apigw-logs";
    let role_exists = |account: &str, arn: &str| {
        rt.block_on(async {
            let mut c = store.read().await.unwrap();
            apigw_companions::iam::role_exists(&mut c, account, arn)
                .await
                .unwrap()
        })
    };
    assert!(role_exists("000000000000", arn));
    assert!(!role_exists(
        "000000000000",
        "arn:aws:iam::000000000000:role/other"
    ));
    assert!(!role_exists("111111111111", arn));

    // Access-log lines as the data plane writes them: through put_events, into a stream it
    // creates itself.
    let scope = apigw_model::Scope::new("000000000000", "us-east-1");
    let t0 = now_ms() - 60_000;
    let lines = [
        (
            t0,
            r#"{"requestId":"r1","httpMethod":"GET","resourcePath":"/pets","status":"200"}"#,
        ),
        (
            t0 + 10,
            r#"{"requestId":"r2","httpMethod":"POST","resourcePath":"/pets","status":"201"}"#,
        ),
        (
            t0 + 20,
            r#"{"requestId":"r3","httpMethod":"GET","resourcePath":"/pets/{id}","status":"404"}"#,
        ),
    ];
    let events: Vec<LogEvent> = lines
        .iter()
        .map(|(t, m)| LogEvent {
            timestamp: *t,
            message: (*m).to_string(),
        })
        .collect();
    let stream = "abc123_prod";
    assert!(rt
        .block_on(put_events(&store, &scope, "apigw-access", stream, &events))
        .unwrap());
    // No such group: nothing written, Ok(false).
    assert!(!rt
        .block_on(put_events(&store, &scope, "missing", stream, &events))
        .unwrap());
    // Another region has no such group either.
    let eu = apigw_model::Scope::new("000000000000", "eu-west-1");
    assert!(!rt
        .block_on(put_events(&store, &eu, "apigw-access", stream, &events))
        .unwrap());

    let streams = s.aws(&[
        "logs",
        "describe-log-streams",
        "--log-group-name",
        "apigw-access",
    ]);
    let st = &streams["logStreams"][0];
    assert_eq!(streams["logStreams"].as_array().unwrap().len(), 1);
    assert_eq!(st["logStreamName"], stream);
    assert_eq!(st["firstEventTimestamp"], t0);
    assert_eq!(st["lastEventTimestamp"], t0 + 20);
    assert!(st["lastIngestionTime"].as_i64().unwrap() >= t0);
    assert!(st["creationTime"].as_i64().is_some());
    assert_eq!(
        st["arn"],
        format!("arn:aws:logs:us-east-1:000000000000:log-group:apigw-access:log-stream:{stream}")
    );

    let got = s.aws(&[
        "logs",
        "get-log-events",
        "--log-group-name",
        "apigw-access",
        "--log-stream-name",
        stream,
    ]);
    let expected: Vec<String> = lines.iter().map(|(_, m)| (*m).to_string()).collect();
    assert_eq!(messages(&got), expected);
    assert_eq!(got["events"][0]["timestamp"], t0);
    assert!(got["events"][0]["ingestionTime"].as_i64().is_some());
    assert!(got["nextForwardToken"].as_str().unwrap().starts_with("f/"));
    assert!(got["nextBackwardToken"].as_str().unwrap().starts_with("b/"));

    let filtered = s.aws(&[
        "logs",
        "filter-log-events",
        "--log-group-name",
        "apigw-access",
        "--filter-pattern",
        r#""\"status\":\"404\"""#,
    ]);
    assert_eq!(messages(&filtered), [lines[2].1]);
    let e = &filtered["events"][0];
    assert_eq!(e["logStreamName"], stream);
    assert_eq!(e["timestamp"], t0 + 20);
    assert!(e["eventId"].as_str().is_some_and(|id| id.len() == 56));
    assert!(e["ingestionTime"].as_i64().is_some());

    let group = s.aws(&[
        "logs",
        "describe-log-groups",
        "--log-group-name-prefix",
        "apigw",
    ]);
    let g = &group["logGroups"][0];
    assert_eq!(g["logGroupName"], "apigw-access");
    assert_eq!(
        g["arn"],
        "arn:aws:logs:us-east-1:000000000000:log-group:apigw-access:*"
    );
    let bytes: usize = lines.iter().map(|(_, m)| m.len()).sum();
    assert_eq!(g["storedBytes"], bytes);
    assert!(g.get("retentionInDays").is_none());
}

#[test]
fn log_groups_paging_prefix_retention_and_deletion() {
    let s = Server::start();
    for name in ["/aws/apigw/b", "/aws/apigw/a", "/aws/apigw/c", "other"] {
        s.aws(&["logs", "create-log-group", "--log-group-name", name]);
    }
    // Listed by name.
    let all = s.aws(&["logs", "describe-log-groups"]);
    assert_eq!(
        names(&all, "logGroups", "logGroupName"),
        ["/aws/apigw/a", "/aws/apigw/b", "/aws/apigw/c", "other"]
    );
    let created = all["logGroups"][0]["creationTime"].as_i64().unwrap();
    assert!((now_ms() - created).abs() < 120_000);

    // Server-side paging: limit and nextToken.
    let p1 = s.aws(&[
        "logs",
        "describe-log-groups",
        "--no-paginate",
        "--limit",
        "2",
        "--log-group-name-prefix",
        "/aws/apigw/",
    ]);
    assert_eq!(
        names(&p1, "logGroups", "logGroupName"),
        ["/aws/apigw/a", "/aws/apigw/b"]
    );
    let token = p1["nextToken"].as_str().unwrap();
    let p2 = s.aws(&[
        "logs",
        "describe-log-groups",
        "--no-paginate",
        "--limit",
        "2",
        "--log-group-name-prefix",
        "/aws/apigw/",
        "--next-token",
        token,
    ]);
    assert_eq!(names(&p2, "logGroups", "logGroupName"), ["/aws/apigw/c"]);
    assert!(p2.get("nextToken").is_none());
    // The CLI's own pagination walks the pages.
    let paged = s.aws(&[
        "logs",
        "describe-log-groups",
        "--page-size",
        "1",
        "--log-group-name-prefix",
        "/aws/",
    ]);
    assert_eq!(paged["logGroups"].as_array().unwrap().len(), 3);

    // Retention.
    s.aws(&[
        "logs",
        "put-retention-policy",
        "--log-group-name",
        "other",
        "--retention-in-days",
        "14",
    ]);
    let g = s.aws(&[
        "logs",
        "describe-log-groups",
        "--log-group-name-prefix",
        "oth",
    ]);
    assert_eq!(g["logGroups"][0]["retentionInDays"], 14);
    s.aws(&[
        "logs",
        "delete-retention-policy",
        "--log-group-name",
        "other",
    ]);
    let g = s.aws(&[
        "logs",
        "describe-log-groups",
        "--log-group-name-prefix",
        "oth",
    ]);
    assert!(g["logGroups"][0].get("retentionInDays").is_none());

    // Deletion takes streams and events with it.
    s.aws(&[
        "logs",
        "create-log-stream",
        "--log-group-name",
        "other",
        "--log-stream-name",
        "s",
    ]);
    let t = now_ms();
    s.aws(&[
        "logs",
        "put-log-events",
        "--log-group-name",
        "other",
        "--log-stream-name",
        "s",
        "--log-events",
        &events_arg(&[(t, "old line")]),
    ]);
    s.aws(&["logs", "delete-log-group", "--log-group-name", "other"]);
    s.aws(&["logs", "create-log-group", "--log-group-name", "other"]);
    let streams = s.aws(&["logs", "describe-log-streams", "--log-group-name", "other"]);
    assert_eq!(streams["logStreams"], json!([]));
    let found = s.aws(&["logs", "filter-log-events", "--log-group-name", "other"]);
    assert_eq!(found["events"], json!([]));

    // Log groups belong to a region.
    let eu = s.aws(&["logs", "describe-log-groups", "--region", "eu-west-1"]);
    assert_eq!(eu["logGroups"], json!([]));
    s.aws(&[
        "logs",
        "create-log-group",
        "--log-group-name",
        "other",
        "--region",
        "eu-west-1",
    ]);
    let eu = s.aws(&["logs", "describe-log-groups", "--region", "eu-west-1"]);
    assert_eq!(
        eu["logGroups"][0]["arn"],
        "arn:aws:logs:eu-west-1:000000000000:log-group:other:*"
    );
}

#[test]
fn log_errors_have_aws_types_and_messages() {
    let s = Server::start();
    s.aws(&["logs", "create-log-group", "--log-group-name", "g"]);
    s.aws(&[
        "logs",
        "create-log-stream",
        "--log-group-name",
        "g",
        "--log-stream-name",
        "s",
    ]);
    let not_group = (
        "ResourceNotFoundException",
        "The specified log group does not exist.",
    );
    let not_stream = (
        "ResourceNotFoundException",
        "The specified log stream does not exist.",
    );
    s.assert_aws_cli_err(
        &["logs", "create-log-group", "--log-group-name", "g"],
        "ResourceAlreadyExistsException",
        "The specified log group already exists",
    );
    s.assert_aws_cli_err(
        &[
            "logs",
            "create-log-stream",
            "--log-group-name",
            "g",
            "--log-stream-name",
            "s",
        ],
        "ResourceAlreadyExistsException",
        "The specified log stream already exists",
    );
    s.assert_aws_cli_err(
        &["logs", "delete-log-group", "--log-group-name", "nope"],
        not_group.0,
        not_group.1,
    );
    s.assert_aws_cli_err(
        &[
            "logs",
            "create-log-stream",
            "--log-group-name",
            "nope",
            "--log-stream-name",
            "s",
        ],
        not_group.0,
        not_group.1,
    );
    s.assert_aws_cli_err(
        &["logs", "describe-log-streams", "--log-group-name", "nope"],
        not_group.0,
        not_group.1,
    );
    s.assert_aws_cli_err(
        &[
            "logs",
            "delete-log-stream",
            "--log-group-name",
            "g",
            "--log-stream-name",
            "x",
        ],
        not_stream.0,
        not_stream.1,
    );
    s.assert_aws_cli_err(
        &[
            "logs",
            "get-log-events",
            "--log-group-name",
            "g",
            "--log-stream-name",
            "x",
        ],
        not_stream.0,
        not_stream.1,
    );
    s.assert_aws_cli_err(
        &["logs", "filter-log-events", "--log-group-name", "nope"],
        not_group.0,
        not_group.1,
    );
    s.assert_aws_cli_err(
        &[
            "logs",
            "put-retention-policy",
            "--log-group-name",
            "nope",
            "--retention-in-days",
            "7",
        ],
        not_group.0,
        not_group.1,
    );
    s.assert_aws_cli_err(
        &[
            "logs",
            "delete-retention-policy",
            "--log-group-name",
            "nope",
        ],
        not_group.0,
        not_group.1,
    );
    let t = now_ms();
    s.assert_aws_cli_err(
        &[
            "logs",
            "put-log-events",
            "--log-group-name",
            "g",
            "--log-stream-name",
            "x",
            "--log-events",
            &events_arg(&[(t, "a")]),
        ],
        not_stream.0,
        not_stream.1,
    );
    s.assert_aws_cli_err(
        &[
            "logs",
            "put-log-events",
            "--log-group-name",
            "nope",
            "--log-stream-name",
            "s",
            "--log-events",
            &events_arg(&[(t, "a")]),
        ],
        not_group.0,
        not_group.1,
    );

    // Constraints, worded as AWS words them.
    s.assert_aws_cli_err(&["logs", "put-retention-policy", "--log-group-name", "g", "--retention-in-days", "2"], "InvalidParameterException", "1 validation error detected: Value '2' at 'retentionInDays' failed to satisfy constraint: \
             Member must satisfy enum value set: [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, \
             545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]"
                );
    s.assert_aws_cli_err(&["logs", "create-log-group", "--log-group-name", "bad:name"], "InvalidParameterException", r"1 validation error detected: Value 'bad:name' at 'logGroupName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\.\-_/#A-Za-z0-9]+"
                );
    s.assert_aws_cli_err(
        &[
            "logs",
            "put-log-events",
            "--log-group-name",
            "g",
            "--log-stream-name",
            "s",
            "--log-events",
            &events_arg(&[(t, "later"), (t - 1, "earlier")]),
        ],
        "InvalidParameterException",
        "Log events in a single PutLogEvents request must be in chronological order.",
    );
    s.assert_aws_cli_err(
        &[
            "logs",
            "put-log-events",
            "--log-group-name",
            "g",
            "--log-stream-name",
            "s",
            "--log-events",
            &events_arg(&[(t - 25 * 3600 * 1000, "a"), (t, "b")]),
        ],
        "InvalidParameterException",
        "The batch of log events in a single PutLogEvents request cannot span more than 24 hours.",
    );
    s.assert_aws_cli_err(
        &[
            "logs",
            "describe-log-streams",
            "--log-group-name",
            "g",
            "--order-by",
            "LastEventTime",
            "--log-stream-name-prefix",
            "s",
        ],
        "InvalidParameterException",
        "Cannot order by LastEventTime with a logStreamNamePrefix.",
    );
    let (code, msg) = s.aws_err(&[
        "logs",
        "filter-log-events",
        "--log-group-name",
        "g",
        "--filter-pattern",
        "{ $.status = 500 }",
    ]);
    assert_eq!(code, "InvalidParameterException");
    assert!(msg.contains("only plain terms and quoted phrases"), "{msg}");
    let (code, _) = s.aws_err(&[
        "logs",
        "get-log-events",
        "--log-group-name",
        "g",
        "--log-stream-name",
        "s",
        "--next-token",
        "f/bogus",
    ]);
    assert_eq!(code, "InvalidParameterException");
    let (code, msg) = s.aws_err(&[
        "logs",
        "describe-log-groups",
        "--no-paginate",
        "--next-token",
        "zz",
    ]);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "InvalidParameterException",
            "The specified nextToken is invalid."
        )
    );

    // Operations outside the subset say so, and change nothing.
    let (code, msg) = s.aws_err(&[
        "logs",
        "put-subscription-filter",
        "--log-group-name",
        "g",
        "--filter-name",
        "f",
        "--filter-pattern",
        "",
        "--destination-arn",
        "arn:aws:lambda:us-east-1:000000000000:function:f",
    ]);
    assert_eq!(code, "NotImplementedException");
    assert!(msg.contains("PutSubscriptionFilter"), "{msg}");

    // Nothing above changed the group or its stream.
    let streams = s.aws(&["logs", "describe-log-streams", "--log-group-name", "g"]);
    assert_eq!(names(&streams, "logStreams", "logStreamName"), ["s"]);
    assert!(streams["logStreams"][0].get("lastEventTimestamp").is_none());
    let g = s.aws(&["logs", "describe-log-groups"]);
    assert_eq!(names(&g, "logGroups", "logGroupName"), ["g"]);
}

#[test]
fn streams_events_paging_and_filters() {
    let s = Server::start();
    s.aws(&["logs", "create-log-group", "--log-group-name", "g"]);
    for st in ["beta", "alpha", "gamma"] {
        s.aws(&[
            "logs",
            "create-log-stream",
            "--log-group-name",
            "g",
            "--log-stream-name",
            st,
        ]);
    }
    let t0 = now_ms() - 3_600_000;
    let put = |stream: &str, evs: &[(i64, &str)]| {
        s.aws(&[
            "logs",
            "put-log-events",
            "--log-group-name",
            "g",
            "--log-stream-name",
            stream,
            "--log-events",
            &events_arg(evs),
        ])
    };
    let r1 = put(
        "alpha",
        &[
            (t0, "GET /pets 200"),
            (t0 + 1000, "GET /pets/1 404"),
            (t0 + 2000, "ERROR timeout on /pets"),
            (t0 + 3000, "POST /pets 201"),
        ],
    );
    let tok1 = r1["nextSequenceToken"].as_str().unwrap().to_string();
    assert!(tok1.len() == 56 && tok1.bytes().all(|b| b.is_ascii_digit()));
    assert!(r1.get("rejectedLogEventsInfo").is_none());
    let r2 = put(
        "beta",
        &[
            (t0 + 1500, "ERROR upstream refused"),
            (t0 + 5000, "GET /owners 200"),
        ],
    );
    assert_ne!(r2["nextSequenceToken"], json!(tok1));

    // Too old and too new events are reported and not stored.
    let now = now_ms();
    let r3 = put(
        "gamma",
        &[
            (now - 14 * 24 * 3600 * 1000 - 3600 * 1000, "too old"),
            (now - 14 * 24 * 3600 * 1000 + 3 * 3600 * 1000, "fine"),
        ],
    );
    assert_eq!(
        r3["rejectedLogEventsInfo"],
        json!({"tooOldLogEventEndIndex": 1})
    );
    let r4 = put("gamma", &[(now, "now"), (now + 3 * 3600 * 1000, "too new")]);
    assert_eq!(
        r4["rejectedLogEventsInfo"],
        json!({"tooNewLogEventStartIndex": 1})
    );
    let gamma = s.aws(&[
        "logs",
        "get-log-events",
        "--log-group-name",
        "g",
        "--log-stream-name",
        "gamma",
    ]);
    assert_eq!(messages(&gamma), ["fine", "now"]);

    // DescribeLogStreams: by name (default), descending, by last event time, prefix, paging.
    let by_name = s.aws(&["logs", "describe-log-streams", "--log-group-name", "g"]);
    assert_eq!(
        names(&by_name, "logStreams", "logStreamName"),
        ["alpha", "beta", "gamma"]
    );
    let alpha = &by_name["logStreams"][0];
    assert_eq!(alpha["firstEventTimestamp"], t0);
    assert_eq!(alpha["lastEventTimestamp"], t0 + 3000);
    let desc = s.aws(&[
        "logs",
        "describe-log-streams",
        "--log-group-name",
        "g",
        "--descending",
    ]);
    assert_eq!(
        names(&desc, "logStreams", "logStreamName"),
        ["gamma", "beta", "alpha"]
    );
    let by_time = s.aws(&[
        "logs",
        "describe-log-streams",
        "--log-group-name",
        "g",
        "--order-by",
        "LastEventTime",
        "--descending",
    ]);
    assert_eq!(
        names(&by_time, "logStreams", "logStreamName"),
        ["gamma", "beta", "alpha"]
    );
    let prefixed = s.aws(&[
        "logs",
        "describe-log-streams",
        "--log-group-name",
        "g",
        "--log-stream-name-prefix",
        "al",
    ]);
    assert_eq!(names(&prefixed, "logStreams", "logStreamName"), ["alpha"]);
    let p1 = s.aws(&[
        "logs",
        "describe-log-streams",
        "--log-group-name",
        "g",
        "--no-paginate",
        "--limit",
        "2",
    ]);
    assert_eq!(names(&p1, "logStreams", "logStreamName"), ["alpha", "beta"]);
    let p2 = s.aws(&[
        "logs",
        "describe-log-streams",
        "--log-group-name",
        "g",
        "--no-paginate",
        "--limit",
        "2",
        "--next-token",
        p1["nextToken"].as_str().unwrap(),
    ]);
    assert_eq!(names(&p2, "logStreams", "logStreamName"), ["gamma"]);
    assert!(p2.get("nextToken").is_none());
    // By identifier (the group's ARN) as well as by name.
    let by_arn = s.aws(&[
        "logs",
        "describe-log-streams",
        "--log-group-identifier",
        "arn:aws:logs:us-east-1:000000000000:log-group:g:*",
    ]);
    assert_eq!(by_arn["logStreams"].as_array().unwrap().len(), 3);

    // GetLogEvents: from the head in pages of 2, forward tokens, the same token at the end.
    let get = |extra: &[&str]| {
        let mut args = vec![
            "logs",
            "get-log-events",
            "--log-group-name",
            "g",
            "--log-stream-name",
            "alpha",
        ];
        args.extend_from_slice(extra);
        s.aws(&args)
    };
    let h1 = get(&["--start-from-head", "--limit", "2"]);
    assert_eq!(messages(&h1), ["GET /pets 200", "GET /pets/1 404"]);
    let f1 = h1["nextForwardToken"].as_str().unwrap().to_string();
    let h2 = get(&["--next-token", &f1, "--limit", "2"]);
    assert_eq!(messages(&h2), ["ERROR timeout on /pets", "POST /pets 201"]);
    let f2 = h2["nextForwardToken"].as_str().unwrap().to_string();
    let h3 = get(&["--next-token", &f2, "--limit", "2"]);
    assert_eq!(messages(&h3), Vec::<String>::new());
    assert_eq!(h3["nextForwardToken"], json!(f2));
    // Backwards from the second page.
    let back = get(&[
        "--next-token",
        h2["nextBackwardToken"].as_str().unwrap(),
        "--limit",
        "1",
    ]);
    assert_eq!(messages(&back), ["GET /pets/1 404"]);
    // Without startFromHead: the latest events.
    let tail = get(&["--limit", "1"]);
    assert_eq!(messages(&tail), ["POST /pets 201"]);
    // startTime inclusive, endTime exclusive.
    let window = get(&[
        "--start-time",
        &(t0 + 1000).to_string(),
        "--end-time",
        &(t0 + 3000).to_string(),
    ]);
    assert_eq!(
        messages(&window),
        ["GET /pets/1 404", "ERROR timeout on /pets"]
    );

    // FilterLogEvents across streams, by time, with terms and phrases.
    let f = |extra: &[&str]| {
        let mut args = vec!["logs", "filter-log-events", "--log-group-name", "g"];
        args.extend_from_slice(extra);
        s.aws(&args)
    };
    let errors = f(&["--filter-pattern", "ERROR"]);
    assert_eq!(
        messages(&errors),
        ["ERROR upstream refused", "ERROR timeout on /pets"]
    );
    assert_eq!(names(&errors, "events", "logStreamName"), ["beta", "alpha"]);
    let both = f(&["--filter-pattern", "ERROR timeout"]);
    assert_eq!(messages(&both), ["ERROR timeout on /pets"]);
    let phrase = f(&["--filter-pattern", "\"GET /pets\""]);
    assert_eq!(messages(&phrase), ["GET /pets 200", "GET /pets/1 404"]);
    let case = f(&["--filter-pattern", "error"]);
    assert_eq!(messages(&case), Vec::<String>::new());
    let only_beta = f(&["--log-stream-names", "beta", "--filter-pattern", "GET"]);
    assert_eq!(messages(&only_beta), ["GET /owners 200"]);
    let prefix = f(&["--log-stream-name-prefix", "al", "--filter-pattern", "201"]);
    assert_eq!(messages(&prefix), ["POST /pets 201"]);
    // startTime and endTime both inclusive.
    let window = f(&[
        "--start-time",
        &(t0 + 1000).to_string(),
        "--end-time",
        &(t0 + 2000).to_string(),
    ]);
    assert_eq!(
        messages(&window),
        [
            "GET /pets/1 404",
            "ERROR upstream refused",
            "ERROR timeout on /pets"
        ]
    );
    // Server-side paging with nextToken, and the CLI's own paging.
    let p1 = f(&[
        "--no-paginate",
        "--limit",
        "2",
        "--log-stream-names",
        "alpha",
        "beta",
    ]);
    assert_eq!(messages(&p1), ["GET /pets 200", "GET /pets/1 404"]);
    assert_eq!(p1["searchedLogStreams"], json!([]));
    let p2 = f(&[
        "--no-paginate",
        "--limit",
        "2",
        "--log-stream-names",
        "alpha",
        "beta",
        "--next-token",
        p1["nextToken"].as_str().unwrap(),
    ]);
    assert_eq!(
        messages(&p2),
        ["ERROR upstream refused", "ERROR timeout on /pets"]
    );
    let all = f(&["--page-size", "1", "--log-stream-names", "alpha", "beta"]);
    assert_eq!(messages(&all).len(), 6);

    // DeleteLogStream removes its events.
    s.aws(&[
        "logs",
        "delete-log-stream",
        "--log-group-name",
        "g",
        "--log-stream-name",
        "alpha",
    ]);
    let rest = f(&[]);
    assert!(names(&rest, "events", "logStreamName")
        .iter()
        .all(|n| n != "alpha"));
}

#[test]
fn logs_answer_boto3() {
    // boto3 speaks the same JSON 1.1 protocol as the CLI; one call shows the SDK parses us.
    let s = Server::start();
    s.aws(&["logs", "create-log-group", "--log-group-name", "py"]);
    let script = format!(
        "import boto3,json\n\
         c=boto3.client('logs',endpoint_url='{}',region_name='us-east-1',aws_access_key_id='t',aws_secret_access_key='t')\n\
         c.create_log_stream(logGroupName='py',logStreamName='s')\n\
         import time\n\
         t=int(time.time()*1000)\n\
         c.put_log_events(logGroupName='py',logStreamName='s',logEvents=[{{'timestamp':t,'message':'hello from boto3'}}])\n\
         e=c.get_log_events(logGroupName='py',logStreamName='s',startFromHead=True)['events']\n\
         try:\n    c.describe_log_streams(logGroupName='missing')\n    err=None\n\
         except c.exceptions.ResourceNotFoundException as x:\n    err=x.response['Error']\n\
         print(json.dumps({{'messages':[x['message'] for x in e],'err':err}}))\n",
        s.url
    );
    let v: Value = serde_json::from_str(&crate::fixtures::python(&script, &[])).unwrap();
    assert_eq!(v["messages"], json!(["hello from boto3"]));
    assert_eq!(v["err"]["Code"], "ResourceNotFoundException");
    assert_eq!(
        v["err"]["Message"],
        "The specified log group does not exist."
    );
}

#[test]
fn iam_roles_policies_paging_and_errors() {
    let s = Server::start();
    // IAM is global: a role made "in" eu-west-1 is the account's role everywhere.
    let made = s.aws(&[
        "iam",
        "create-role",
        "--role-name",
        "Zeta",
        "--path",
        "/service-role/",
        "--description",
        "push <logs> & more",
        "--max-session-duration",
        "7200",
        "--assume-role-policy-document",
        TRUST,
        "--region",
        "eu-west-1",
    ]);
    assert_eq!(
        made["Role"]["Arn"],
        "arn:aws:iam::000000000000:role/service-role/Zeta"
    );
    assert_eq!(made["Role"]["Description"], "push <logs> & more");
    let got = s.aws(&["iam", "get-role", "--role-name", "Zeta"]);
    assert_eq!(got["Role"]["Path"], "/service-role/");
    assert_eq!(got["Role"]["MaxSessionDuration"], 7200);
    assert_eq!(got["Role"]["RoleLastUsed"], json!({}));
    assert_eq!(got["Role"]["RoleId"], made["Role"]["RoleId"]);
    for name in ["alpha", "Beta"] {
        s.aws(&[
            "iam",
            "create-role",
            "--role-name",
            name,
            "--assume-role-policy-document",
            TRUST,
        ]);
    }
    let all = s.aws(&["iam", "list-roles"]);
    assert_eq!(names(&all, "Roles", "RoleName"), ["alpha", "Beta", "Zeta"]);
    assert_eq!(all["Roles"][0]["MaxSessionDuration"], 3600);
    let svc = s.aws(&["iam", "list-roles", "--path-prefix", "/service-role/"]);
    assert_eq!(names(&svc, "Roles", "RoleName"), ["Zeta"]);
    let p1 = s.aws(&["iam", "list-roles", "--no-paginate", "--max-items", "2"]);
    assert_eq!(names(&p1, "Roles", "RoleName"), ["alpha", "Beta"]);
    assert_eq!(p1["IsTruncated"], true);
    let p2 = s.aws(&[
        "iam",
        "list-roles",
        "--no-paginate",
        "--max-items",
        "2",
        "--marker",
        p1["Marker"].as_str().unwrap(),
    ]);
    assert_eq!(names(&p2, "Roles", "RoleName"), ["Zeta"]);
    assert_eq!(p2["IsTruncated"], false);
    let paged = s.aws(&["iam", "list-roles", "--page-size", "1"]);
    assert_eq!(paged["Roles"].as_array().unwrap().len(), 3);

    // Policies: attach (idempotent), list with paging and a path prefix, detach.
    let other = "arn:aws:iam::aws:policy/CloudWatchLogsReadOnlyAccess";
    for arn in [PUSH_POLICY, other, PUSH_POLICY] {
        s.aws(&[
            "iam",
            "attach-role-policy",
            "--role-name",
            "alpha",
            "--policy-arn",
            arn,
        ]);
    }
    let att = s.aws(&["iam", "list-attached-role-policies", "--role-name", "alpha"]);
    assert_eq!(
        att["AttachedPolicies"],
        json!([
            {"PolicyName": "AmazonAPIGatewayPushToCloudWatchLogs", "PolicyArn": PUSH_POLICY},
            {"PolicyName": "CloudWatchLogsReadOnlyAccess", "PolicyArn": other},
        ])
    );
    let svc = s.aws(&[
        "iam",
        "list-attached-role-policies",
        "--role-name",
        "alpha",
        "--path-prefix",
        "/service-role/",
    ]);
    assert_eq!(
        names(&svc, "AttachedPolicies", "PolicyName"),
        ["AmazonAPIGatewayPushToCloudWatchLogs"]
    );
    let a1 = s.aws(&[
        "iam",
        "list-attached-role-policies",
        "--role-name",
        "alpha",
        "--no-paginate",
        "--max-items",
        "1",
    ]);
    assert_eq!(a1["IsTruncated"], true);
    let a2 = s.aws(&[
        "iam",
        "list-attached-role-policies",
        "--role-name",
        "alpha",
        "--no-paginate",
        "--marker",
        a1["Marker"].as_str().unwrap(),
    ]);
    assert_eq!(
        names(&a2, "AttachedPolicies", "PolicyName"),
        ["CloudWatchLogsReadOnlyAccess"]
    );

    // Errors, as IAM words them.
    s.assert_aws_cli_err(
        &[
            "iam",
            "create-role",
            "--role-name",
            "ALPHA",
            "--assume-role-policy-document",
            TRUST,
        ],
        "EntityAlreadyExists",
        "Role with name ALPHA already exists.",
    );
    s.assert_aws_cli_err(
        &["iam", "get-role", "--role-name", "nope"],
        "NoSuchEntity",
        "The role with name nope cannot be found.",
    );
    s.assert_aws_cli_err(
        &["iam", "delete-role", "--role-name", "nope"],
        "NoSuchEntity",
        "The role with name nope cannot be found.",
    );
    s.assert_aws_cli_err(
        &[
            "iam",
            "attach-role-policy",
            "--role-name",
            "nope",
            "--policy-arn",
            PUSH_POLICY,
        ],
        "NoSuchEntity",
        "The role with name nope cannot be found.",
    );
    s.assert_aws_cli_err(
        &["iam", "list-attached-role-policies", "--role-name", "nope"],
        "NoSuchEntity",
        "The role with name nope cannot be found.",
    );
    s.assert_aws_cli_err(&["iam", "create-role", "--role-name", "bad name", "--assume-role-policy-document", TRUST], "ValidationError", r"1 validation error detected: Value 'bad name' at 'roleName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]+");
    s.assert_aws_cli_err(
        &[
            "iam",
            "create-role",
            "--role-name",
            "x",
            "--assume-role-policy-document",
            "{not json",
        ],
        "MalformedPolicyDocument",
        "This policy contains invalid Json",
    );
    s.assert_aws_cli_err(
        &["iam", "delete-role", "--role-name", "alpha"],
        "DeleteConflict",
        "Cannot delete entity, must detach all policies first.",
    );
    s.assert_aws_cli_err(
        &[
            "iam",
            "attach-role-policy",
            "--role-name",
            "alpha",
            "--policy-arn",
            "this-is-not-an-arn-at-all",
        ],
        "InvalidInput",
        "ARN this-is-not-an-arn-at-all is not valid.",
    );
    let custom = "arn:aws:iam::000000000000:policy/mine";
    assert_eq!(
        s.aws_err(&[
            "iam",
            "attach-role-policy",
            "--role-name",
            "alpha",
            "--policy-arn",
            custom
        ]),
        (
            "NoSuchEntity".into(),
            format!("Policy {custom} does not exist or is not attachable.")
        )
    );
    let unattached = "arn:aws:iam::aws:policy/AdministratorAccess";
    assert_eq!(
        s.aws_err(&[
            "iam",
            "detach-role-policy",
            "--role-name",
            "alpha",
            "--policy-arn",
            unattached
        ]),
        (
            "NoSuchEntity".into(),
            format!("Policy {unattached} was not found.")
        )
    );

    // Detach both, then the role can go.
    for arn in [PUSH_POLICY, other] {
        s.aws(&[
            "iam",
            "detach-role-policy",
            "--role-name",
            "alpha",
            "--policy-arn",
            arn,
        ]);
    }
    let att = s.aws(&["iam", "list-attached-role-policies", "--role-name", "alpha"]);
    assert_eq!(att["AttachedPolicies"], json!([]));
    s.aws(&["iam", "delete-role", "--role-name", "alpha"]);
    let left = s.aws(&["iam", "list-roles", "--region", "ap-south-1"]);
    assert_eq!(names(&left, "Roles", "RoleName"), ["Beta", "Zeta"]);
}

/// Customer managed and inline policies: stored, listed, attached with a count, refused while
/// in use; nothing enforces them.
#[test]
fn iam_policies_are_stored_and_guard_their_deletion() {
    let s = Server::start();
    s.aws(&[
        "iam",
        "create-role",
        "--role-name",
        "app",
        "--assume-role-policy-document",
        TRUST,
    ]);
    let doc = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"logs:*","Resource":"*"}]}"#;
    let created = s.aws(&[
        "iam",
        "create-policy",
        "--policy-name",
        "app-logs",
        "--policy-document",
        doc,
        "--description",
        "logs",
    ]);
    let p = &created["Policy"];
    let arn = p["Arn"].as_str().unwrap().to_string();
    assert_eq!(arn, "arn:aws:iam::000000000000:policy/app-logs");
    assert_eq!(p["DefaultVersionId"], "v1");
    assert_eq!(p["AttachmentCount"], 0);
    assert!(p["PolicyId"].as_str().unwrap().starts_with("ANPA"));
    let (code, _) = s.aws_err(&[
        "iam",
        "create-policy",
        "--policy-name",
        "app-logs",
        "--policy-document",
        doc,
    ]);
    assert_eq!(code, "EntityAlreadyExists");
    let (code, _) = s.aws_err(&[
        "iam",
        "create-policy",
        "--policy-name",
        "bad",
        "--policy-document",
        "not json",
    ]);
    assert_eq!(code, "MalformedPolicyDocument");

    s.aws(&[
        "iam",
        "attach-role-policy",
        "--role-name",
        "app",
        "--policy-arn",
        &arn,
    ]);
    let got = s.aws(&["iam", "get-policy", "--policy-arn", &arn]);
    assert_eq!(got["Policy"]["AttachmentCount"], 1);
    assert_eq!(got["Policy"]["Description"], "logs");
    let listed = s.aws(&["iam", "list-policies", "--scope", "Local"]);
    assert_eq!(listed["Policies"][0]["PolicyName"], "app-logs");
    let (code, _) = s.aws_err(&["iam", "delete-policy", "--policy-arn", &arn]);
    assert_eq!(code, "DeleteConflict");
    s.aws(&[
        "iam",
        "detach-role-policy",
        "--role-name",
        "app",
        "--policy-arn",
        &arn,
    ]);
    s.aws(&["iam", "delete-policy", "--policy-arn", &arn]);
    let (code, _) = s.aws_err(&["iam", "get-policy", "--policy-arn", &arn]);
    assert_eq!(code, "NoSuchEntity");
    // A customer policy that does not exist cannot be attached.
    let (code, _) = s.aws_err(&[
        "iam",
        "attach-role-policy",
        "--role-name",
        "app",
        "--policy-arn",
        &arn,
    ]);
    assert_eq!(code, "NoSuchEntity");

    // Inline policies live in the role: the role cannot go while it has one.
    s.aws(&[
        "iam",
        "put-role-policy",
        "--role-name",
        "app",
        "--policy-name",
        "inline",
        "--policy-document",
        doc,
    ]);
    let got = s.aws(&[
        "iam",
        "get-role-policy",
        "--role-name",
        "app",
        "--policy-name",
        "inline",
    ]);
    assert_eq!(
        got["PolicyDocument"],
        serde_json::from_str::<Value>(doc).unwrap()
    );
    let names = s.aws(&["iam", "list-role-policies", "--role-name", "app"]);
    assert_eq!(names["PolicyNames"], json!(["inline"]));
    let (code, _) = s.aws_err(&["iam", "delete-role", "--role-name", "app"]);
    assert_eq!(code, "DeleteConflict");
    s.aws(&[
        "iam",
        "delete-role-policy",
        "--role-name",
        "app",
        "--policy-name",
        "inline",
    ]);
    let (code, msg) = s.aws_err(&[
        "iam",
        "get-role-policy",
        "--role-name",
        "app",
        "--policy-name",
        "inline",
    ]);
    assert_eq!(code, "NoSuchEntity");
    assert_eq!(msg, "The role policy with name inline cannot be found.");
    s.aws(&["iam", "delete-role", "--role-name", "app"]);
}
