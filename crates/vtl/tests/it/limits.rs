//! Bounds: every template terminates and stays within the configured limits.

use apigw_vtl::{Context, Limits, RenderError, Template};

fn err(template: &str, limits: &Limits) -> RenderError {
    Template::parse(template)
        .unwrap()
        .render_with_limits(&Context::default(), limits)
        .expect_err(template)
}

#[test]
fn step_limit_stops_nested_loops() {
    let t =
        "#foreach($a in [1..1000])#foreach($b in [1..1000])#foreach($c in [1..1000])x#end#end#end";
    assert!(matches!(
        err(t, &Limits::default()),
        RenderError::TooManySteps { .. }
    ));
}

#[test]
fn output_limit() {
    let small = Limits {
        max_output: 10,
        ..Limits::default()
    };
    assert!(matches!(
        err("#foreach($i in [1..100])x#end", &small),
        RenderError::OutputTooLarge { .. }
    ));
    // Doubling a string is caught before it exhausts memory.
    let doubling = "#set($s = 'xx')#foreach($i in [1..100])#set($s = \"$s$s\")#end";
    assert!(matches!(
        err(doubling, &Limits::default()),
        RenderError::OutputTooLarge { .. }
    ));
}

#[test]
fn recursion_limit() {
    assert!(matches!(
        err("#macro(r)#r()#end#r()", &Limits::default()),
        RenderError::TooDeep { .. }
    ));
    assert!(matches!(
        err("#define($d)$d#end$d", &Limits::default()),
        RenderError::TooDeep { .. }
    ));
}

#[test]
fn huge_ranges_are_bounded() {
    let t = "#foreach($i in [0..9223372036854775807])x#end";
    assert!(matches!(
        err(t, &Limits::default()),
        RenderError::TooManySteps { .. }
    ));
}

#[test]
fn java_exceptions_become_errors() {
    for t in [
        "#set($s = 'abc')$s.substring(5)",
        "#set($s = 'abc')$s.charAt(-1)",
        "#set($l = [1])$l.get(3)",
        "#set($l = [1])$l[3]",
        "#set($s = 'a')$s.replaceAll('(', 'x')",
    ] {
        let e = err(t, &Limits::default());
        assert!(
            matches!(e, RenderError::Method { line: 1, .. }),
            "{t}: {e:?}"
        );
    }
}

#[test]
fn deep_nesting_is_a_parse_error() {
    let deep = format!("{}x{}", "#if(true)".repeat(200), "#end".repeat(200));
    assert!(Template::parse(&deep).is_err());
    let parens = format!("#set($a = {}1{})", "(".repeat(500), ")".repeat(500));
    assert!(Template::parse(&parens).is_err());
    let deep_json = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let t = Template::parse("[$input.path('$')]").unwrap();
    assert_eq!(
        t.render(&Context::with_body(deep_json)).unwrap().output,
        "[]"
    );
}

#[test]
fn printed_literal_replacements_count_as_regex_ones() {
    // A printed `replaceAll`/`replaceFirst` with a literal pattern is written straight into the
    // output; with a regex pattern it is built as a value first. Both take the same steps and
    // fail the same limits at the same points.
    let ctx = Context::with_body(
        r#"{"s": "Customer's request", "e": "a\"b\u00e9e\u00e9e", "n": 100.5, "z": null}"#,
    );
    let receivers = [
        "$b.s",
        "$b.e",
        "$b.n",
        "$b.z",
        "$b.missing",
        "$util.escapeJavaScript($b.s)",
        "$util.escapeJavaScript($b.e)",
        "$b",
    ];
    for receiver in receivers {
        for (literal, regex) in [
            ("replaceAll('e', 'EE')", "replaceAll('[e]', 'EE')"),
            ("replaceFirst('e', 'EE')", "replaceFirst('[e]', 'EE')"),
            (
                "replaceAll(\"\\\\'\", \"'\")",
                "replaceAll(\"[\\\\\\\\][']\", \"'\")",
            ),
            ("replaceAll('é', '')", "replaceAll('[é]', '')"),
        ] {
            let [a, b] = [literal, regex].map(|call| {
                Template::parse(&format!("#set($b = $input.path('$'))<{receiver}.{call}>")).unwrap()
            });
            for max_steps in 1..40 {
                for max_output in [1, 5, 10, 20, 30, 1000] {
                    let limits = Limits {
                        max_steps,
                        max_output,
                        ..Limits::default()
                    };
                    let (x, y) = (
                        a.render_with_limits(&ctx, &limits).map(|r| r.output),
                        b.render_with_limits(&ctx, &limits).map(|r| r.output),
                    );
                    assert_eq!(x, y, "{receiver}.{literal} at {limits:?}");
                }
            }
        }
    }
}

#[test]
fn printed_escapes_are_bounded_as_values() {
    // `$util.escapeJavaScript(x)` printed is escaped straight into the output: the output limit
    // still applies to the escaped string itself, and a null argument prints nothing.
    let t = |s: &str| Template::parse(s).unwrap();
    let ctx = Context::with_body(r#"{"s": "it's \"q\"", "n": 1.5}"#);
    let out = |s: &str| t(s).render(&ctx).unwrap().output;
    assert_eq!(
        out("#set($b = $input.path('$'))<$util.escapeJavaScript($b.s)|$util.escapeJavaScript($b.n)|$util.escapeJavaScript($b.none)>"),
        "<it\\'s \\\"q\\\"|1.5|>"
    );
    let limits = Limits {
        max_output: 8,
        ..Limits::default()
    };
    let e = t("#set($b = $input.path('$'))$util.escapeJavaScript($b.s)")
        .render_with_limits(&ctx, &limits)
        .expect_err("too large");
    assert!(matches!(e, RenderError::OutputTooLarge { limit: 8 }));
}

#[test]
fn jsonpath_filters_nest_32_deep() {
    let body = r#"{"a": [{"n": 1}, {"n": 2}]}"#;
    let path = |depth: usize| {
        format!(
            "$input.json('$.a[?({}@.n > 1{})].n')",
            "(".repeat(depth),
            ")".repeat(depth)
        )
    };
    let rendered = Template::parse(&path(31))
        .unwrap()
        .render(&Context::with_body(body))
        .unwrap();
    assert_eq!(rendered.output, "[2]");
    let e = Template::parse(&path(32))
        .unwrap()
        .render(&Context::with_body(body))
        .expect_err("too deep");
    assert!(
        matches!(&e, RenderError::Method { message, .. } if message.contains("invalid JSONPath")),
        "{e:?}"
    );
}
