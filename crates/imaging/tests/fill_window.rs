//! A fill decoded as only the window its crop reads (what a loaded server does, see
//! `decode::jpeg::decode_window`) must give the same bytes as the fill of the whole decoded picture,
//! for every JPEG of the test data our decoder takes, landscape and portrait, square and elongated
//! targets, at 1/8 and 1/4.

mod common;

use common::eighth::generated;
use cyanotype_imaging::decode::{self, jpeg_dc};
use cyanotype_imaging::ops::resize::{self, Placement};
use cyanotype_imaging::Limits;
use cyanotype_process::{parse, Op, Process};
use turbojpeg::Subsamp;

fn resize_op(process: &str) -> cyanotype_process::Resize {
    match parse(process).expect("process") {
        Process::Image(ops) => match ops.into_iter().next() {
            Some(Op::Resize(r)) => r,
            other => panic!("not a resize: {other:?}"),
        },
        Process::Style(_) => unreachable!(),
    }
}

#[test]
fn a_fill_from_its_window_is_the_fill_from_the_whole_picture() {
    let mut files = Vec::new();
    common::jpeg_files(&common::testdata(), &mut files);
    files.sort();
    let mut sources: Vec<(String, Vec<u8>)> = files
        .iter()
        .map(|f| (f.display().to_string(), std::fs::read(f).unwrap()))
        .collect();
    // Photo-sized landscape and portrait pictures in each subsampling our decoder takes.
    for (sub, w, h) in [
        (Subsamp::Sub2x2, 2403, 1601),
        (Subsamp::Sub2x2, 1203, 1805),
        (Subsamp::None, 1999, 1001),
        (Subsamp::Gray, 1001, 1502),
        (Subsamp::Sub2x1, 1601, 1203),
    ] {
        sources.push((
            format!("generated {sub:?} {w}x{h}"),
            generated(sub, w, h, 90),
        ));
    }
    let targets = [
        "w_300,h_300",
        "w_150,h_150",
        "w_64,h_64",
        "w_240,h_60",
        "w_60,h_240",
        "w_90,h_70",
        "w_100,h_200",
    ];
    let (mut compared, mut windows_smaller) = (0, 0);
    let mut denoms = std::collections::BTreeSet::new();
    for (source, data) in &sources {
        let Ok((w, h)) = decode::jpeg::header(data) else {
            continue;
        };
        for t in targets {
            let name = format!("{source} fill {t}");
            let r = resize_op(&format!("image/resize,m_fill,{t}"));
            let plan = resize::plan(w, h, &r, false, &Limits::default()).expect("plan");
            let (Some(min), Some(window)) = (plan.decode_hint(w, h), plan.fill_window()) else {
                continue;
            };
            let denom = decode::jpeg::choose_denominator(w, h, min);
            if denom != 8 && denom != 4 {
                continue;
            }
            let Some(whole) = jpeg_dc::decode_scaled(data, denom as usize, false) else {
                continue;
            };
            let want = decode::jpeg::window_rect((w, h), 8 / denom, window);
            let part = jpeg_dc::decode_scaled_window(data, denom as usize, want)
                .unwrap_or_else(|| panic!("{name}: the window was declined"));
            if part.bitmap.data.len() < whole.bitmap.data.len() {
                windows_smaller += 1;
            }
            let at = Placement::scaled(part.origin, part.full, part.source, 8 / denom);
            let all = Placement::scaled((0, 0), whole.full, whole.source, 8 / denom);
            let expected =
                resize::apply_placed(whole.bitmap, plan, all).expect("fill of the whole");
            let got = resize::apply_placed(part.bitmap, plan, at).expect("fill of the window");
            assert_eq!(
                (got.width, got.height),
                (expected.width, expected.height),
                "{name}"
            );
            assert!(got.data == expected.data, "{name}: the fills differ");
            compared += 1;
            denoms.insert(denom);
        }
    }
    eprintln!(
        "compared {compared} fills ({windows_smaller} from a smaller window), scales 1/{denoms:?}"
    );
    assert!(
        compared >= 50 && windows_smaller >= 40,
        "too few cases: {compared}, {windows_smaller}"
    );
    assert_eq!(
        denoms.len(),
        2,
        "both 1/8 and 1/4 must be reached: {denoms:?}"
    );
}
