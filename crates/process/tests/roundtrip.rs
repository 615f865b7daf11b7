//! Property: for every parseable process string, the canonical text parses back to the same ops,
//! and printing is idempotent. The canonical text is the cache key of a variant.

use cyanotype_process::{parse, Process};
use proptest::prelude::*;

fn num(lo: i64, hi: i64) -> impl Strategy<Value = String> {
    // mostly in range, sometimes just outside, so invalid inputs are exercised too
    prop_oneof![8 => (lo..=hi).prop_map(|n| n.to_string()), 1 => Just((hi + 1).to_string()), 1 => Just("x".to_string())]
}

fn param(key: &'static str, lo: i64, hi: i64) -> impl Strategy<Value = String> {
    num(lo, hi).prop_map(move |v| format!("{key}_{v}"))
}

fn action() -> impl Strategy<Value = String> {
    let resize = proptest::collection::vec(
        prop_oneof![
            param("w", 1, 16384),
            param("h", 1, 16384),
            param("l", 1, 16384),
            param("s", 1, 16384),
            param("p", 1, 1000),
            param("limit", 0, 1),
            prop::sample::select(vec!["m_lfit", "m_mfit", "m_fill", "m_pad", "m_fixed"])
                .prop_map(String::from),
            prop::sample::select(vec!["color_FF00aa", "color_000000"]).prop_map(String::from),
        ],
        0..5,
    )
    .prop_map(|ps| format!("resize,{}", ps.join(",")));
    let crop = proptest::collection::vec(
        prop_oneof![
            param("x", 0, 30000),
            param("y", 0, 30000),
            param("w", 0, 30000),
            param("h", 0, 30000),
            prop::sample::select(vec!["g_nw", "g_center", "g_se", "g_south"])
                .prop_map(String::from),
        ],
        0..5,
    )
    .prop_map(|ps| format!("crop,{}", ps.join(",")));
    let watermark = proptest::collection::vec(
        prop_oneof![
            param("t", 0, 100),
            param("x", 0, 4096),
            param("voffset", -1000, 1000),
            param("fill", 0, 1),
            param("padx", 0, 4096),
            param("size", 1, 1000),
            param("rotate", 0, 360),
            param("shadow", 0, 100),
            param("order", 0, 1),
            param("align", 0, 2),
            prop::sample::select(vec![
                "text_SGVsbG8g5Zu-54mH5pyN5YqhIQ",
                "text_aGVsbG8g5Zu+54mH5pyN5Yqh77yB",
                "image_cGFuZGEucG5nP3gtb3NzLXByb2Nlc3M9aW1hZ2UvcmVzaXplLFBfMzA",
                "image_bG9nby5wbmc=",
                "type_ZmFuZ3poZW5na2FpdGk=",
                "color_I0ZGMDAwMA",
                "g_west",
            ])
            .prop_map(String::from),
        ],
        0..6,
    )
    .prop_map(|ps| format!("watermark,{}", ps.join(",")));
    prop_oneof![
        resize,
        crop,
        watermark,
        param("r", 1, 4096).prop_map(|p| format!("circle,{p}")),
        param("r", 1, 4096).prop_map(|p| format!("rounded-corners,{p}")),
        (param("x", 1, 30000), param("i", 0, 30000))
            .prop_map(|(a, b)| format!("indexcrop,{a},{b}")),
        (param("y", 1, 30000), param("i", 0, 30000))
            .prop_map(|(a, b)| format!("indexcrop,{a},{b}")),
        num(0, 1).prop_map(|v| format!("auto-orient,{v}")),
        num(0, 360).prop_map(|v| format!("rotate,{v}")),
        (param("r", 1, 50), param("s", 1, 50)).prop_map(|(a, b)| format!("blur,{a},{b}")),
        num(-100, 100).prop_map(|v| format!("bright,{v}")),
        num(-100, 100).prop_map(|v| format!("contrast,{v}")),
        num(50, 399).prop_map(|v| format!("sharpen,{v}")),
        prop::sample::select(vec![
            "jpg", "jpeg", "png", "webp", "bmp", "gif", "tiff", "avif"
        ])
        .prop_map(|f| format!("format,{f}")),
        num(0, 1).prop_map(|v| format!("interlace,{v}")),
        param("q", 1, 100).prop_map(|p| format!("quality,{p}")),
        param("Q", 1, 100).prop_map(|p| format!("quality,{p}")),
        Just("info".to_string()),
        Just("average-hue".to_string()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]
    #[test]
    fn canonical_text_round_trips(actions in proptest::collection::vec(action(), 0..6)) {
        let text = format!("image/{}", actions.join("/"));
        if let Ok(p) = parse(&text) {
            let canonical = p.to_string();
            let again = parse(&canonical).expect("canonical text parses");
            prop_assert_eq!(&again, &p, "{} -> {}", text, canonical);
            prop_assert_eq!(again.to_string(), canonical);
        }
    }

    #[test]
    fn parser_never_panics(text in "\\PC{0,80}") {
        let _ = parse(&text);
    }

    #[test]
    fn style_round_trips(name in "[A-Za-z0-9_.-]{1,63}") {
        let p = parse(&format!("style/{name}")).unwrap();
        prop_assert_eq!(&p, &Process::Style(name.clone()));
        prop_assert_eq!(p.to_string(), format!("style/{name}"));
    }
}
