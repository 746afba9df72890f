//! Velocity 1.7 semantics, construct by construct (table-driven), including the null and
//! whitespace rules.

use apigw_vtl::{Context, Template};

use crate::{render, render_empty, request};

/// `(template, expected output)` rendered against an empty request.
fn check(cases: &[(&str, &str)]) {
    for (template, want) in cases {
        assert_eq!(render_empty(template), *want, "template: {template:?}");
    }
}

#[test]
fn references() {
    check(&[
        // AWS renders an unresolved reference as nothing (plain Velocity would echo it).
        ("[$x]", "[]"),
        ("[$!x]", "[]"),
        ("[${x}]", "[]"),
        ("[$!{x}]", "[]"),
        ("[$x.y.z()]", "[]"),
        ("#set($a = 'v')$a ${a}x $!a $!{a}", "v vx v v"),
        ("#set($a = 'v')${a}s", "vs"),
        // `-` belongs to identifiers in Velocity 1.7.
        ("#set($a-b = 'v')$a-b", "v"),
        // Text that only looks like references.
        ("cost: $5, $ a, $. $[", "cost: $5, $ a, $. $["),
        ("#set($a = 'v')$a.", "v."),
        ("#set($a = 'v')$a.1", "v.1"),
        (
            "#set($m = {'k': 'v'})$m.k $m['k'] $m[\"k\"] ${m.k}",
            "v v v v",
        ),
        ("#set($l = ['a', 'b'])$l[0]$l[1] $l[-1]", "ab b"),
        (
            "#set($k = 'k')#set($m = {'k': [1, {'z': 'deep'}]})$m[$k][1].z",
            "deep",
        ),
    ]);
}

#[test]
fn escapes_and_comments() {
    check(&[
        ("#set($a = 'v')\\$a \\$b", "$a \\$b"),
        ("#set($a = 'v')\\\\$a", "\\v"),
        ("\\#set(x)", "#set(x)"),
        ("\\#if(true)", "#if(true)"),
        ("\\#notadirective", "\\#notadirective"),
        ("a## comment\nb", "ab"),
        ("a ## comment\r\nb", "a b"),
        ("a #* block\n comment *# b", "a  b"),
        ("#** doc *#x", "x"),
        ("#[[ $a #if( ]]#", " $a #if( "),
        ("color: #333; #fff; # 1", "color: #333; #fff; # 1"),
        ("#unknown(1, 'a')", "#unknown(1, 'a')"),
        ("a\\b", "a\\b"),
    ]);
}

#[test]
fn set_directive() {
    check(&[
        // A null right-hand side leaves the variable unchanged (Velocity 1.7 default).
        ("#set($a = 1)#set($a = $null)$a", "1"),
        ("#set($a = 1)#set($a = $nothing.here)$a", "1"),
        ("#set($m = {})#set($m.k = 'v')$m.k $m", "v {k=v}"),
        ("#set($l = [1, 2])#set($l[0] = 'x')$l", "[x, 2]"),
        ("#set($m = {'a': 1})#set($m['b'] = 2)$m", "{a=1, b=2}"),
        ("#set( $a = \"x\" )$a", "x"),
        ("#{set}($a = 1)$a", "1"),
        ("#set ($a = 1)$a", "1"),
        ("#set($a = true)#set($b = !$a)$b", "false"),
        ("#set($undefined.x = 1)ok", "ok"),
    ]);
}

#[test]
fn conditionals() {
    check(&[
        ("#if($a)y#{else}n#end", "n"),
        ("#if(1 < 2)a#elseif(true)b#else c#end", "a"),
        ("#if(false)a#elseif(2 == 2.0)b#end", "b"),
        ("#if(false)a#{elseif}(false)b#{else}c#{end}", "c"),
        // Empty strings and empty lists are true in Velocity 1.7.
        ("#if('')t#end", "t"),
        ("#if([])t#end", "t"),
        ("#if(!$a && not false)t#end", "t"),
        ("#if($a == $b)eq#end", "eq"),
        // AWS: null equals the empty string.
        ("#if($a == '')eq#end", "eq"),
        ("#if($a != '')ne#{else}eq#end", "eq"),
        // Different classes compare by toString().
        ("#if('1' == 1)eq#end", "eq"),
        ("#if(1 == 1.0)eq#end", "eq"),
        ("#if([1, 2] == [1, 2])eq#end", "eq"),
        ("#if({'a': 1} == {'a': 1})eq#end", "eq"),
        ("#if(3 ge 3 and 2 lt 3 or false)y#end", "y"),
        ("#if(3 > 2 && 2 >= 2 && 1 <= 1 && 1 != 2)y#end", "y"),
        ("#if(3 gt 2 && 1 le 1 && 1 ne 2 && 1 eq 1)y#end", "y"),
        // Relational operators need numbers.
        ("#if('a' < 'b')y#{else}n#end", "n"),
        ("#if(($a || true) && !($b))y#end", "y"),
        ("#if( $x )a#elseif( $x == $null )b#end", "b"),
    ]);
}

#[test]
fn foreach() {
    check(&[
        ("#foreach($i in [1..3])$i#if($foreach.hasNext),#end#end", "1,2,3"),
        ("#foreach($i in [3..1])$i#end", "321"),
        ("#set($n = 2)#foreach($i in [0..$n])$i#end", "012"),
        (
            "#foreach($i in ['a','b'])$foreach.index$foreach.count$velocityCount$i$foreach.first$foreach.last #end",
            "011atruefalse 122bfalsetrue ",
        ),
        ("#foreach($i in ['a','b'])$velocityHasNext #end", "true false "),
        ("#foreach($i in [1..5])#if($i == 3)#break#end$i#end", "12"),
        ("#foreach($i in [1, 2])#foreach($j in [1, 2])$foreach.parent.index$foreach.index #end#end", "00 01 10 11 "),
        ("#foreach($v in {'a': 1, 'b': 2})$v#end", "12"),
        ("#set($i = 'out')#foreach($i in [1])$i#end$i", "1out"),
        ("#foreach($i in $nothing)x#end", ""),
        ("#foreach($i in 'string')x#end", ""),
        // The loop variable is null for null elements (a null element masks an outer value).
        ("#foreach($i in [1..1000])#end$foreach.index", ""),
        ("a#stop b", "a"),
        ("#foreach($i in [1..3])$i#if($i == 2)#stop#end#end after", "12"),
    ]);
    // AWS stops a #foreach after 1,000 iterations.
    assert_eq!(render_empty("#foreach($i in [1..2000])x#end").len(), 1000);
    assert_eq!(
        render_empty("#foreach($i in [1..2000])#set($last = $i)#end$last"),
        "1000"
    );
}

#[test]
fn whitespace_follows_velocity_1_7() {
    check(&[
        ("#set($a = 1)\nline", "line"),
        ("  #set($a = 1)\nline", "line"),
        ("\t #set($a = 1) \t\nline", "line"),
        ("x\n  #set($a = 1)\ny", "x\n  y"),
        ("#set($a = 1)\r\nx", "x"),
        ("#if(true)\n  a\n#end\nb", "  a\nb"),
        ("#if(true) a #end b", " a  b"),
        ("#if(false)a#else\nb\n#end", "b\n"),
        ("#if(false)a#else   \nb#end", "b"),
        (
            "#foreach($i in [1, 2])\n  #set($x = $i)\n  $x\n#end",
            "  1\n  2\n",
        ),
        ("#foreach($i in [1, 2])\n  $i,\n#end\n", "  1,\n  2,\n"),
        ("  #if(true)\n  x\n  #end\n", "    x\n  "),
        ("#set($a = 'v')$a   #set($b = 1)|", "v|"),
        ("#macro(m)M#end\n#m()\n#m() x", "MM x"),
        ("#define($d)D#end\n$d", "D"),
    ]);
}

#[test]
fn string_literals() {
    check(&[
        ("#set($n = 'W')#set($s = \"Hi $n!\")$s", "Hi W!"),
        ("#set($s = 'Hi $n')$s", "Hi $n"),
        ("#set($s = \"a\"\"b\")$s", "a\"b"),
        ("#set($s = 'it''s')$s", "it's"),
        ("#set($s = \"\\u0041\\n\")$s", "A\\n"),
        ("#set($s = \"#if(true)yes#end\")$s", "yes"),
        ("#set($s = \"$undefined\")[$s]", "[]"),
        ("#set($a = 'x')#set($s = \"${a}y\")$s", "xy"),
    ]);
}

#[test]
fn arithmetic() {
    check(&[
        ("#set($x = 10 - 2 * 3)$x", "4"),
        ("#set($x = (10 - 2) * 3)$x", "24"),
        ("#set($x = 7 / 2)$x", "3"),
        ("#set($x = 7 % 3)$x", "1"),
        ("#set($x = 7.0 / 2)$x", "3.5"),
        ("#set($x = -3 + 1)$x", "-2"),
        ("#set($x = 5)#set($y = $x -1)$y", "4"),
        ("#set($x = 1.5 * 2)$x", "3.0"),
        ("#set($x = 1 / 0)[$x]", "[]"),
        ("#set($x = 'a' + 1)$x", "a1"),
        ("#set($x = 1 + 'a')$x", "1a"),
        ("#set($x = 'a' + $nope)$x", "a$nope"),
        ("#set($x = 1 + $nope)[$x]", "[]"),
        ("#set($x = 1e3)$x", "1000.0"),
        ("#set($x = 10000000.0)$x", "1.0E7"),
        ("#set($x = 0.0001)$x", "1.0E-4"),
        (
            "#set($x = 9223372036854775807 + 1)$x",
            "9.223372036854776E18",
        ),
    ]);
}

#[test]
fn collections_print_as_java() {
    check(&[
        ("#set($l = [1, 'a', [2], {'k': 'v'}])$l", "[1, a, [2], {k=v}]"),
        ("#set($m = {'a': 1, 'b': [1, 2], 'c': $nope})$m", "{a=1, b=[1, 2], c=null}"),
        ("#set($m = {'b': 1, 'a': 2})$m.keySet() $m.values()", "[b, a] [1, 2]"),
        ("#set($m = {'a': 1, 'b': 2})#foreach($e in $m.entrySet())$e.key=$e.value;$e.getKey()#end", "a=1;ab=2;b"),
        ("#set($l = [])#set($d = $l.add('x'))$l.size() $l.get(0) $l[-1] $l.isEmpty() $l.empty", "1 x x false false"),
        ("#set($l = [])$l.add('x')", "true"),
        ("#set($m = {})$m.put('k', 'v')$m.put('k', 'w')$m", "v{k=w}"),
        ("#set($m = {'a': 1})$m.containsKey('a') $m.containsKey('b') $m.size() $m.get('a') $m.isEmpty()", "true false 1 1 false"),
        ("#set($m = {'a': 1})$m.remove('a')$m", "1{}"),
        ("#set($l = [1, 2, 3])$l.contains(2) $l.indexOf(3) $l.subList(1, 3) $l.remove(0) $l", "true 2 [2, 3] 1 [2, 3]"),
        ("#set($l = [1, 'a', 1])$l.indexOf(1) $l.lastIndexOf(1) $l.indexOf(5) $l.lastIndexOf(5)", "0 2 -1 -1"),
        ("#set($l = [1])#set($d = $l.addAll([2, 3]))$l $l.set(0, 9) $l", "[1, 2, 3] 1 [9, 2, 3]"),
        ("#set($r = [1..3])$r", "[1, 2, 3]"),
        ("#set($m = {1: 'int key'})$m.get(1)", "int key"),
        ("$util.toJson({'a': [1, 'x', true, 2.5], 'b': $nope})", "{\"a\":[1,\"x\",true,2.5],\"b\":null}"),
    ]);
}

#[test]
fn string_methods() {
    check(&[
        ("#set($s = ' Hello World ')$s.trim().toUpperCase()|$s.toLowerCase()|", "HELLO WORLD| hello world |"),
        ("#set($s = 'abc')$s.length() $s.size() $s.isEmpty() $s.empty", "3 3 false false"),
        ("#set($s = 'abc')$s.substring(1) $s.substring(0, 2) $s.charAt(1) $s.indexOf('c') $s.lastIndexOf('a')", "bc ab b 2 0"),
        ("#set($s = 'abc')$s.contains('b') $s.replace('b', 'x') $s.replaceAll('[ac]', '_') $s.replaceFirst('[ac]', '_')", "true axc _b_ _bc"),
        ("#set($s = 'abc')$s.matches('a.c') $s.matches('b') $s.startsWith('ab') $s.endsWith('bc') $s.equalsIgnoreCase('ABC') $s.equals('abc')", "true false true true true true"),
        ("#set($s = 'john smith')$s.replaceAll('(\\w+) (\\w+)', '$2, $1')", "smith, john"),
        ("#set($s = 'a,b,,c,,')$s.split(',')", "[a, b, , c]"),
        ("#set($s = 'a1b22c')#foreach($p in $s.split('[0-9]+'))$p#end", "abc"),
        ("#set($s = 'a,b,c')$s.split(',', 2)", "[a, b,c]"),
        ("#set($s = 'héllo😀')$s.length() $s.indexOf('l') $s.substring(5) $s.toUpperCase()", "7 2 😀 HÉLLO😀"),
        ("#set($s = 'x')$s.concat('y') $s.compareTo('y') $s.toString()", "xy -1 x"),
        ("#set($p = \"\\\\'\")#set($s = \"it\\'s\")$s.replaceAll($p, \"'\")", "it's"),
        ("#set($s = 'abc')$s.nosuchmethod()|$s.foo|", "||"),
    ]);
}

#[test]
fn numbers_and_booleans() {
    check(&[
        (
            "#set($n = 3.7)$n.intValue() $n.longValue() $n.doubleValue()",
            "3 3 3.7",
        ),
        (
            "#set($n = 5)$n.doubleValue() $n.toString() $n.equals(5) $n.compareTo(7)",
            "5.0 5 true -1",
        ),
        (
            "#set($b = true)$b.booleanValue() $b.toString()",
            "true true",
        ),
    ]);
}

#[test]
fn define_and_macros() {
    check(&[
        ("#define($b)Hello $n#end#set($n = 'W')$b", "Hello W"),
        ("#define($b)x#end$b.toString()$b", "xx"),
        ("#macro(greet $who)Hi $who!#end#greet('Bob')", "Hi Bob!"),
        (
            "#macro(tag $a, $b)<$a>$b</$a>#end#tag('p' 'x')#tag('b', 1)",
            "<p>x</p><b>1</b>",
        ),
        ("#greet('early')#macro(greet $who)Hi $who#end", "Hi early"),
        ("#macro(m $a)$a#end#set($a = 'outer')#m('in')$a", "inouter"),
        ("#macro(nothing)#end#nothing()|", "|"),
    ]);
}

#[test]
fn input_variable() {
    let body = r#"{"a": 1, "b": [1, 2.50, "x"], "c": {"d": null}, "s": "t\u00e9\"", "n": -0.5e1}"#;
    let ctx = request(body);
    let cases: &[(&str, &str)] = &[
        ("$input.body", body),
        ("$input.json('$')", r#"{"a":1,"b":[1,2.5,"x"],"c":{"d":null},"s":"té\"","n":-5.0}"#),
        ("$input.json('$.b')", r#"[1,2.5,"x"]"#),
        ("$input.json('$.missing')", "\"\""),
        ("$input.json('$.b[*]')", r#"[1,2.5,"x"]"#),
        ("$input.path('$.c')", "{d=null}"),
        ("$input.path('$')", "{a=1, b=[1,2.5,\"x\"], c={d=null}, s=té\", n=-5.0}"),
        ("$input.path('$.b')", r#"[1,2.5,"x"]"#),
        ("$input.path('$.b').size() $input.path('$.b')[1] $input.path('$.b').get(2)", "3 2.5 x"),
        ("#set($x = $input.path('$.a') + 1)$x", "2"),
        ("#if($input.path('$.a') == 1)one#end", "one"),
        ("$input.path('$.s').length()", "3"),
        ("[$input.path('$.missing')][$input.path('$.c.d')]", "[][]"),
        ("$input.path('a') $input.path('c.d')|", "1 |"),
        ("#set($r = $input.path('$'))#set($r.c.e = 5)$r.c", "{d=null, e=5}"),
        ("#set($r = $input.path('$'))$r.b.add(3)$r.b $input.path('$.b')", "true[1,2.5,\"x\",3] [1,2.5,\"x\"]"),
        ("#set($r = $input.path('$'))#set($c = $r.c)$c.put('k', 'v')$r", "{a=1, b=[1,2.5,\"x\"], c={d=null, k=v}, s=té\", n=-5.0}"),
        ("#foreach($v in $input.path('$.b'))$v;#end", "1;2.5;x;"),
        ("#foreach($k in $input.path('$').keySet())$k,#end", "a,b,c,s,n,"),
        ("$input.params('id') $input.params('q') $input.params('x-key') [$input.params('nope')]", "1 x y k []"),
        ("$input.params()", "{path={id=1}, querystring={id=2, q=x y}, header={X-Key=k}}"),
        ("$input.params().header.X-Key $input.params().querystring.get('q') $input.params().path.id", "k x y 1"),
        ("#if($input.params('nope'))set#end", "set"),
    ];
    for (t, want) in cases {
        assert_eq!(render(t, &ctx), *want, "template: {t:?}");
    }
}

#[test]
fn input_on_odd_bodies() {
    let cases: &[(&str, &str, &str)] = &[
        ("", "$input.body", "{}"),
        ("", "$input.json('$')", "{}"),
        ("", "[$input.path('$.a')]", "[]"),
        ("not json", "$input.json('$.a')", "\"\""),
        ("not json", "[$input.path('$')]", "[]"),
        ("not json", "$input.body", "not json"),
        ("\"#foobar\"", "$input.path('$')", "#foobar"),
        ("[1, 2]", "$input.path('$')[0]", "1"),
        ("42", "$input.json('$')", "42"),
        ("{\"a\": 1} trailing", "[$input.path('$.a')]", "[]"),
    ];
    for (body, t, want) in cases {
        assert_eq!(
            render(t, &Context::with_body(*body)),
            *want,
            "{body:?} {t:?}"
        );
    }
}

#[test]
fn jsonpath() {
    let store = r#"{"store": {"book": [
        {"category": "reference", "author": "Nigel Rees", "title": "Sayings", "price": 8.95},
        {"category": "fiction", "author": "Evelyn Waugh", "title": "Sword", "price": 12.99},
        {"category": "fiction", "author": "Herman Melville", "title": "Moby Dick", "isbn": "0-553", "price": 8.99}
      ], "bicycle": {"color": "red", "price": 19.95}}, "odd key": {"x.y": 1}}"#;
    let ctx = Context::with_body(store);
    let cases: &[(&str, &str)] = &[
        (
            "$.store.book[*].author",
            r#"["Nigel Rees","Evelyn Waugh","Herman Melville"]"#,
        ),
        (
            "$..author",
            r#"["Nigel Rees","Evelyn Waugh","Herman Melville"]"#,
        ),
        ("$.store.*.color", r#"["red"]"#),
        (
            "$.store.book[?(@.price < 10)].title",
            r#"["Sayings","Moby Dick"]"#,
        ),
        (
            "$.store.book[?(@.category == 'fiction' && @.price > 10)].title",
            r#"["Sword"]"#,
        ),
        ("$.store.book[?(@.isbn)].title", r#"["Moby Dick"]"#),
        (
            "$.store.book[?(@.price > 12 || @.isbn)].title",
            r#"["Sword","Moby Dick"]"#,
        ),
        (
            "$.store.book[?(@.category == 'reference' || @.category == 'fiction' && @.price > 10)].title",
            r#"["Sayings","Sword"]"#,
        ),
        (
            "$.store.book[?((@.category == 'reference' || @.category == 'fiction') && @.price < 9)].title",
            r#"["Sayings","Moby Dick"]"#,
        ),
        (
            "$.store.book[?(@.author != \"Nigel Rees\")].price",
            "[12.99,8.99]",
        ),
        ("$.store.book[-1].title", r#""Moby Dick""#),
        ("$.store.book[0,1].price", "[8.95,12.99]"),
        ("$.store.book[0, 2].title", r#"["Sayings","Moby Dick"]"#),
        ("$.store.book[0]['title', \"price\"]", r#"["Sayings",8.95]"#),
        ("$.store.book[1:].price", "[12.99,8.99]"),
        ("$.store.book[:1].price", "[8.95]"),
        ("$['store']['bicycle']['color']", r#""red""#),
        ("$[\"odd key\"]['x.y']", "1"),
        ("$..price", "[8.95,12.99,8.99,19.95]"),
        ("$.store.book[5]", "\"\""),
        ("$.nothing[*]", "[]"),
    ];
    for (path, want) in cases {
        let t = format!("$input.json(\"{}\")", path.replace('"', "\"\""));
        assert_eq!(render(&t, &ctx), *want, "path: {path}");
    }
    assert_eq!(
        render(
            "$input.path('$.store.book[?(@.price < 10)]')[1].title",
            &ctx
        ),
        "Moby Dick"
    );
    let bad = Template::parse("$input.path('$.[')").unwrap();
    assert!(bad.render(&ctx).is_err());
}

#[test]
fn util_variable() {
    check(&[
        (
            "$util.escapeJavaScript(\"It's \"\"x\"\"/\\u00e9\")",
            "It\\'s \\\"x\\\"\\/\\u00E9",
        ),
        (
            "#set($s = \"a\nb\tc\")$util.escapeJavaScript($s)",
            "a\\nb\\tc",
        ),
        ("$util.escapeJavaScript('😀')", "\\uD83D\\uDE00"),
        ("[$util.escapeJavaScript($nope)]", "[]"),
        ("$util.urlEncode('a b&c=d/é*~')", "a+b%26c%3Dd%2F%C3%A9*%7E"),
        ("$util.urlDecode('a+b%26%C3%A9')", "a b&é"),
        ("$util.base64Encode('hello')", "aGVsbG8="),
        (
            "$util.base64Decode('aGVsbG8=') $util.base64Decode('aGVsbG8')",
            "hello hello",
        ),
        ("$util.parseJson('{\"a\": {\"b\": [1, 2]}}').a.b[1]", "2"),
        (
            "$util.parseJson('[1, {\"k\": \"v\"}]')",
            "[1,{\"k\":\"v\"}]",
        ),
        ("$util.parseJson('\"str\"')", "str"),
        ("$util.toJson('a\"b')", "\"a\\\"b\""),
        ("[$util.nosuch('x')]", "[]"),
    ]);
    for bad in [
        "$util.urlDecode('%zz')",
        "$util.base64Decode('!!!')",
        "$util.parseJson('{')",
    ] {
        let t = Template::parse(bad).unwrap();
        assert!(t.render(&Context::default()).is_err(), "{bad}");
    }
}

#[test]
fn context_and_stage_variables() {
    let mut ctx = crate::ctx_with(serde_json::json!({
        "requestId": "r-1",
        "identity": {"sourceIp": "192.0.2.1", "apiKey": null},
        "authorizer": {"principalId": "me", "claims": {"sub": "u1"}},
        "error": {"messageString": "\"Missing Authentication Token\""}
    }));
    ctx.stage_variables.push(("env".into(), "dev".into()));
    let cases: &[(&str, &str)] = &[
        ("$context.requestId $context.identity.sourceIp [$context.identity.apiKey]", "r-1 192.0.2.1 []"),
        ("$context.authorizer.claims.sub $context.authorizer.principalId", "u1 me"),
        // Objects of $context print as empty text on AWS.
        ("[$context.identity][$context.get('identity')]", "[][]"),
        ("$context.requestOverride.keySet() $context.responseOverride.keySet()", "[path, header, querystring] [header]"),
        ("{\"message\":$context.error.messageString}", "{\"message\":\"Missing Authentication Token\"}"),
        ("$stageVariables.env ${stageVariables['env']} $stageVariables.get('env') $stageVariables", "dev dev dev {env=dev}"),
        ("[$stageVariables.missing]", "[]"),
        // Reads before and after the template changed a map of $context see the same map.
        (
            "#set($i = $context.identity)#set($i.tag = 'x')$context.identity.tag $context.requestId.length()",
            "x 3",
        ),
        (
            "$context.identity.sourceIp|#set($context.identity.sourceIp = 'y')$context.identity.sourceIp",
            "192.0.2.1|y",
        ),
        ("[$context.missing][$context.missing.x][$context.requestId.x]", "[][][]"),
    ];
    for (t, want) in cases {
        assert_eq!(render(t, &ctx), *want, "template: {t:?}");
    }
}

#[test]
fn overrides_are_read_back() {
    let t = Template::parse(
        "#set($context.requestOverride.header.X-One = 'v')\n\
         #set($context.requestOverride.querystring.q = ['a', 'b'])\n\
         #set($context.requestOverride.path.id = 42)\n\
         #set($context.responseOverride.status = 400)\n\
         #set($context.responseOverride.header.Y = \"w\")\n\
         body",
    )
    .unwrap();
    let r = t.render(&Context::default()).unwrap();
    assert_eq!(r.output, "body");
    assert_eq!(
        r.request_override.header,
        vec![("X-One".into(), "v".into())]
    );
    assert_eq!(
        r.request_override.querystring,
        vec![("q".into(), "a,b".into())]
    );
    assert_eq!(r.request_override.path, vec![("id".into(), "42".into())]);
    assert_eq!(r.response_override.status, Some(400));
    assert_eq!(r.response_override.header, vec![("Y".into(), "w".into())]);

    // A template that never touches $context still reports (empty) overrides.
    let plain = Template::parse("x")
        .unwrap()
        .render(&Context::default())
        .unwrap();
    assert_eq!(plain.response_override.status, None);
    assert!(plain.request_override.header.is_empty());

    let s = Template::parse("#set($context.responseOverride.status = '503')").unwrap();
    assert_eq!(
        s.render(&Context::default())
            .unwrap()
            .response_override
            .status,
        Some(503)
    );
}

#[test]
fn parse_errors_have_positions() {
    let cases: &[(&str, usize, usize)] = &[
        ("#if(true)x", 1, 1),
        ("a\n  #if(", 2, 7),
        ("ok\n#end", 2, 1),
        ("#else", 1, 1),
        ("#set($a = )", 1, 11),
        ("$a.b(", 1, 6),
        ("#foreach($i [1])#end", 1, 13),
        ("#include('x')", 1, 1),
        ("#evaluate('x')", 1, 1),
        ("x #* abc", 1, 3),
        ("#set($a = 'unterminated)", 1, 11),
        ("${a", 1, 4),
        ("#set($a = null)", 1, 11),
        ("#foreach($i in [1])x", 1, 1),
        ("#macro(m)x", 1, 1),
        ("#if(true)#else#else#end", 1, 15),
    ];
    for (t, line, column) in cases {
        let e = Template::parse(t).expect_err(t);
        assert_eq!((e.line, e.column), (*line, *column), "{t:?}: {e}");
    }
}

#[test]
fn payload_members_of_differently_shaped_objects() {
    // Member lookups remember where a name was found in the previous object; objects of
    // other shapes (and names nested deeper at the same offset) must not be confused.
    let body = r#"[{"a": 1, "b": 2}, {"b": 3, "a": {"b": 9}}, {"x": {"b": 7}, "b": 4},
        {"a": 1, "c": "b"}, {"\u0062": 5}, {"b": null}, {"b": "s\"q"}]"#;
    let t = "#foreach($o in $input.path('$'))[$o.b]#if($o.b == 'b')!#end#end";
    assert_eq!(render(t, &request(body)), "[2][3][4][][5][][s\"q]");
    let t = "#set($r = $input.path('$'))#set($r[0].b = 'x')$r[0].b $r[1].b";
    assert_eq!(render(t, &request(body)), "x 3");
}

/// A `#foreach` body that only prints texts, `$item.prop` and `#if($foreach.hasNext)` runs
/// straight from the items of a JSON array when they are all objects, and node by node
/// otherwise: both give what Velocity gives, loop variables included.
#[test]
fn printing_loops_over_json_arrays() {
    let body = r#"{"l": [{"a": 1, "s": "x\"y"}, {"a": 2, "o": {"k": "v"}}, {"s": "z", "a": [1, 2]}],
        "m": [{"a": 1}, 7, null, {"a": 3}], "e": []}"#;
    let ctx = request(body);
    let cases = [
        (
            "#set($r = $input.path('$'))#foreach($i in $r.l)($i.a,$i.s,$!i.o)#if($foreach.hasNext);#else.#end#end",
            "(1,x\"y,);(2,,{k=v});([1,2],z,).",
        ),
        (
            "#set($r = $input.path('$'))#foreach($i in $r.m)[$i.a]#if($foreach.hasNext),#end#end",
            "[1],[],[],[3]",
        ),
        (
            "#set($i = 'kept')#set($r = $input.path('$'))#foreach($i in $r.l)$i.a#end $i $velocityCount",
            "12[1,2] kept ",
        ),
        ("#set($r = $input.path('$'))#foreach($i in $r.e)x#end|", "|"),
    ];
    for (template, want) in cases {
        assert_eq!(render(template, &ctx), want, "template: {template:?}");
    }
    // The loop limit cuts the compiled loop as the node-by-node one.
    let t = Template::parse("#set($r = $input.path('$'))#foreach($i in $r.l)$i.a#end").unwrap();
    let limits = apigw_vtl::Limits {
        max_foreach: 2,
        ..Default::default()
    };
    assert_eq!(t.render_with_limits(&ctx, &limits).unwrap().output, "12");
}

#[test]
fn compiled_loop_bodies_with_conditions_escapes_and_nested_loops() {
    // The benchmark's order loop shape, over items the ops print and items they leave to the
    // nodes (a number status, an escaped string, a non-object inner item, an object where an
    // array is iterated, missing members).
    let body = r#"{"l": [
        {"id": 1, "st": "shipped", "t": "T1", "items": [{"a": 1}, {"a": 2}]},
        {"id": 2, "st": "cancelled", "why": "it's", "items": []},
        {"id": 3, "st": 7, "items": [{"a": 3}]},
        {"id": 4, "st": "cancelled", "why": "q\"x'", "items": [{"a": 4}, 5]},
        {"id": 5, "st": "cancelled", "items": {"k": {"a": 6}}},
        {"id": 6, "st": "pending", "why": null, "items": null},
        {"id": 7, "st": null}
    ]}"#;
    let ctx = request(body);
    let template = concat!(
        "#set($r = $input.path('$'))#foreach($o in $r.l)<$o.id:",
        "#if($o.st == \"shipped\")S$o.t#elseif($o.st == \"cancelled\")",
        "C$util.escapeJavaScript($o.why).replaceAll(\"\\\\'\",\"'\")#elseif($o.st != \"\")P#else N#end",
        "[#foreach($i in $o.items)$i.a#if($foreach.hasNext),#end#end]",
        ">#if($foreach.hasNext);#end#end $o $velocityCount"
    );
    assert_eq!(
        render(template, &ctx),
        // Unresolved references print nothing (AWS); a loop over an object takes its values.
        "<1:ST1[1,2]>;<2:Cit's[]>;<3:P[3]>;<4:Cq\\\"x'[4,]>;<5:C[6]>;<6:P[]>;<7: N[]>  "
    );
    // `$util` replaced by the template: the nodes, not the ops.
    let t = format!("#set($util = $input.path('$')){template}");
    assert_eq!(
        render(&t, &ctx),
        "<1:ST1[1,2]>;<2:C[]>;<3:P[3]>;<4:C[4,]>;<5:C[6]>;<6:P[]>;<7: N[]>  "
    );
    // The loop limit applies to nested compiled loops too.
    let limits = apigw_vtl::Limits {
        max_foreach: 1,
        ..Default::default()
    };
    let t = Template::parse(template).unwrap();
    assert_eq!(
        t.render_with_limits(&ctx, &limits).unwrap().output,
        "<1:ST1[1,]>;  "
    );
}

#[test]
fn compiled_loop_escapes_are_bounded_as_values() {
    // The escaped string (10 bytes) is longer than the replaced one (7): the output limit
    // applies to it as when the nodes build it.
    let ctx = request(r#"{"l": [{"s": "a'b'c'd"}]}"#);
    let looped = Template::parse(
        "#set($r = $input.path('$'))#foreach($i in $r.l)$util.escapeJavaScript($i.s).replaceAll(\"\\\\'\",\"'\")#end",
    )
    .unwrap();
    let direct = Template::parse(
        "#set($r = $input.path('$'))$util.escapeJavaScript($r.l[0].s).replaceAll(\"\\\\'\",\"'\")",
    )
    .unwrap();
    for max_output in 1..=12 {
        let limits = apigw_vtl::Limits {
            max_output,
            ..Default::default()
        };
        let a = looped.render_with_limits(&ctx, &limits).map(|r| r.output);
        let b = direct.render_with_limits(&ctx, &limits).map(|r| r.output);
        assert_eq!(
            format!("{a:?}"),
            format!("{b:?}"),
            "max_output {max_output}"
        );
    }
    assert_eq!(render(looped.source(), &ctx), "a'b'c'd");
}
