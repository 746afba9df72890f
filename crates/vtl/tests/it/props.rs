//! Property tests: parsing never panics; rendering a parsed template never panics and ends
//! within the limits.

use apigw_vtl::{Context, Limits, Template};
use proptest::prelude::*;

/// Fragments that exercise every construct, glued together at random.
fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("#set($a = [1..3])".to_owned()),
        Just("#set($m = {'k': $a, 'n': 1.5})".to_owned()),
        Just("#set($m = {})".to_owned()),
        Just("#foreach($i in $a)".to_owned()),
        Just("#foreach($x in $input.path('$.items'))".to_owned()),
        Just("#if($i > 1 && !$m.isEmpty())".to_owned()),
        Just("#elseif($i == '')".to_owned()),
        Just("#else".to_owned()),
        Just("#end".to_owned()),
        Just("#break".to_owned()),
        Just("#define($d)".to_owned()),
        Just("#macro(mm $p)$p".to_owned()),
        Just("#mm($i)".to_owned()),
        Just("$d".to_owned()),
        Just("$input.json('$..v')".to_owned()),
        Just("$input.path('$.items[?(@.v > 1)]')".to_owned()),
        Just("$util.escapeJavaScript($input.body)".to_owned()),
        Just("$util.parseJson('[1,{}]')".to_owned()),
        Just("$m.k.add($i)".to_owned()),
        Just("#set($s = \"$s$s.x\")".to_owned()),
        Just("$s.replaceAll('.', '$0')".to_owned()),
        Just("$foreach.index$velocityCount".to_owned()),
        Just("## comment\n".to_owned()),
        Just("#* c *#".to_owned()),
        Just("\\$a \\#if".to_owned()),
        "[ a-z0-9${}()#.!\\[\\]'\"\\n\\\\]{0,12}",
    ]
}

/// Well-formed templates: leaves nested in every block directive.
fn tree() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("$i,".to_owned()),
        Just("#set($a = [1..3])".to_owned()),
        Just("#set($s = \"$s$i\")".to_owned()),
        Just("$input.json('$.items')".to_owned()),
        Just("$input.path('$.items')[0].v".to_owned()),
        Just("$m.put($i, $a)".to_owned()),
        Just("#break".to_owned()),
        Just("text\n".to_owned()),
        Just("$d".to_owned()),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| a + &b),
            inner
                .clone()
                .prop_map(|b| format!("#foreach($i in $a)\n{b}#end\n")),
            inner
                .clone()
                .prop_map(|b| format!("#foreach($i in [1..1000]){b}#{{end}}")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!(
                "#if($i > 1)\n{a}#elseif($s == '')x#{{else}} {b}#{{end}}"
            )),
            inner
                .clone()
                .prop_map(|b| format!("#define($d){b}#{{end}}")),
            inner.prop_map(|b| format!("#macro(mm $i){b}#{{end}}#mm(2)#mm($a)")),
        ]
    })
}

fn body() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just(r#"{"items": [{"v": 1}, {"v": 2, "w": [true, null]}], "s": "x"}"#.to_owned()),
        "\\PC{0,40}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn parse_never_panics(src in "\\PC{0,200}") {
        let _ = Template::parse(&src);
    }

    #[test]
    fn parse_never_panics_on_vtl_like_input(src in "[#$a-z(){}\\[\\]'\"=.,!\\\\ \\n0-9*]{0,120}") {
        let _ = Template::parse(&src);
    }

    #[test]
    fn well_formed_templates_parse_and_render(src in tree(), body in body()) {
        let t = Template::parse(&src);
        prop_assert!(t.is_ok(), "{src}: {t:?}");
        if let Ok(t) = t {
            let limits = Limits { max_steps: 200_000, max_output: 1 << 20, ..Limits::default() };
            let r = t.render_with_limits(&Context::with_body(body), &limits);
            if let Ok(r) = r {
                prop_assert!(r.output.len() <= limits.max_output);
            }
        }
    }

    #[test]
    fn render_terminates_within_bounds(
        parts in proptest::collection::vec(fragment(), 0..30),
        body in body(),
    ) {
        let src = parts.concat();
        if let Ok(t) = Template::parse(&src) {
            let limits = Limits { max_steps: 200_000, max_output: 1 << 20, ..Limits::default() };
            let mut ctx = Context::with_body(body);
            ctx.params.header.push(("h".into(), "v".into()));
            if let Ok(r) = t.render_with_limits(&ctx, &limits) {
                prop_assert!(r.output.len() <= limits.max_output);
            }
        }
    }
}
