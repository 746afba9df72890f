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
