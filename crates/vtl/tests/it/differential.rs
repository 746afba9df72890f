//! The fast paths (loop bodies compiled to `LoopOps`, JSON printed and compared in place by
//! `write_ref` and `cond`) must answer exactly as the general path does: same output, same
//! overrides, same errors, the same limits hit at the same step. Each template is rendered
//! both ways ([`Template::render_reference`] turns the fast paths off) and the results compared.

use apigw_vtl::{Context, Limits, Template};
use proptest::prelude::*;

/// Pieces the fast paths take, and pieces that make them step aside (a document modified by
/// `#set` or `.put`, non-printing nodes in a loop body, comparisons of other shapes).
fn leaf() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("$x.v,".to_owned()),
        Just("$x.name".to_owned()),
        Just("$x.w[1]".to_owned()),
        Just("$x.missing".to_owned()),
        Just("$!x.missing".to_owned()),
        Just("$x".to_owned()),
        Just("text,".to_owned()),
        Just("\"$x.name\"".to_owned()),
        Just("$foreach.index".to_owned()),
        Just("#if($foreach.hasNext),#{end}".to_owned()),
        Just("#if($x.name == 'a')A#elseif($x.name != 'b')N#{else}B#{end}".to_owned()),
        Just("#if($x.v == '1')one#{end}".to_owned()),
        Just("#if($x.v)t#{end}".to_owned()),
        Just("#set($n = $x.v)$n".to_owned()),
        Just("$util.escapeJavaScript($x.name)".to_owned()),
        Just("$input.json('$.items[0]')".to_owned()),
        Just("$input.path('$.items')[0].v".to_owned()),
        Just("#set($doc.k = 1)".to_owned()),
        Just("$doc.items.add(9)".to_owned()),
        Just("#break".to_owned()),
        Just("#set($context.responseOverride.status = 400)".to_owned()),
        Just("#set($context.responseOverride.header.X = \"$x.name\")".to_owned()),
        Just("#set($context.requestOverride.querystring.q = $x.v)".to_owned()),
        // A document modified before a printing-only loop over it: the loop must see the
        // change (the compiled body reads the document as parsed).
        Just("$doc.items.add(9)#foreach($y in $doc.items)$y.v,#{end}".to_owned()),
        Just("#set($doc.items[0].v = 'm')#foreach($y in $doc.items)$y.v,#{end}".to_owned()),
        Just("#foreach($y in $doc.items)$y.name,#{end}".to_owned()),
    ]
}

fn template() -> impl Strategy<Value = String> {
    leaf()
        .prop_recursive(3, 24, 5, |inner| {
            prop_oneof![
                (inner.clone(), inner.clone()).prop_map(|(a, b)| a + &b),
                inner
                    .clone()
                    .prop_map(|b| format!("#foreach($x in $input.path('$.items')){b}#{{end}}")),
                inner
                    .clone()
                    .prop_map(|b| format!("#foreach($x in $doc.items){b}#{{end}}")),
                inner
                    .clone()
                    .prop_map(|b| format!("#foreach($x in $input.path('$'))[{b}]#{{end}}")),
                inner
                    .clone()
                    .prop_map(|b| format!("#foreach($x in [1..3]){b}#{{end}}")),
                inner.prop_map(|b| format!("#if($input.path('$.s') == 'x'){b}#{{end}}")),
            ]
        })
        .prop_map(|t| format!("#set($doc = $input.path('$')){t}"))
}

fn body() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just(r#"{"items": [{"v": 1, "name": "a"}, {"v": 2, "name": "b\"q", "w": [true, null]}, {"name": "é\n"}], "s": "x"}"#.to_owned()),
        Just(r#"{"items": [1, "two", null, {"v": "1"}], "s": "y"}"#.to_owned()),
        Just(r#"{"items": {"v": 3}}"#.to_owned()),
        Just("not json".to_owned()),
    ]
}

fn limits() -> impl Strategy<Value = Limits> {
    // Small bounds as well as the defaults: a limit must be hit at the same step both ways.
    (prop_oneof![Just(1_000_u64), Just(50), Just(7)], 0..3usize).prop_map(|(steps, foreach)| {
        Limits {
            max_steps: steps,
            max_foreach: [1, 2, 1_000][foreach],
            max_output: 300,
            ..Limits::default()
        }
    })
}

proptest! {
    // PROPTEST_CASES raises the count for a deeper run (5,000 by default).
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(5_000)
    ))]

    #[test]
    fn fast_paths_answer_as_the_general_path(src in template(), body in body(), limits in limits()) {
        let t = Template::parse(&src);
        prop_assert!(t.is_ok(), "{src}: {t:?}");
        if let Ok(t) = t {
            let ctx = Context::with_body(body);
            let fast = format!("{:?}", t.render_with_limits(&ctx, &limits));
            let general = format!("{:?}", t.render_reference(&ctx, &limits));
            prop_assert_eq!(fast, general, "template: {}", src);
        }
    }
}

/// The differential test would pass trivially if the fast paths were never taken: these
/// templates take them (a loop over a JSON array printing properties, a comparison with a
/// string), and the answers are the ones AWS's rules give.
#[test]
fn the_fast_paths_are_exercised() {
    let ctx = Context::with_body(r#"{"items": [{"v": 1, "name": "a"}, {"v": 2, "name": "b"}]}"#);
    let t = Template::parse(
        "#foreach($x in $input.path('$.items'))$x.name=$x.v#if($foreach.hasNext),#end#end#if($input.path('$.items[0].name') == 'a')!#end",
    )
    .unwrap();
    let fast = t.render_with_limits(&ctx, &Limits::default()).unwrap();
    let general = t.render_reference(&ctx, &Limits::default()).unwrap();
    assert_eq!(fast.output, "a=1,b=2!");
    assert_eq!(general.output, fast.output);
}
