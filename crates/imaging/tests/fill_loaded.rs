//! Through the whole pipeline: a fill on a loaded server (no spare core) decodes only the window its
//! crop reads, and answers the same bytes as on an idle one, which decodes the whole picture on two
//! threads. Its own test binary, since it holds every core's count while it runs.

mod common;

use common::eighth::generated;
use cyanotype_imaging::{cores, decode, ops::resize, process, Limits};
use cyanotype_process::{parse, Op, Process};
use turbojpeg::Subsamp;

fn ops(s: &str) -> Vec<Op> {
    match parse(s).expect("process") {
        Process::Image(ops) => ops,
        Process::Style(_) => unreachable!(),
    }
}

#[test]
fn a_fill_under_load_is_the_same_as_idle() {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let limits = Limits::default();
    for (sub, w, h) in [(Subsamp::Sub2x2, 2403, 1601), (Subsamp::Sub2x2, 1603, 2405)] {
        let jpeg = generated(sub, w, h, 90);
        let (w, h) = (w as u32, h as u32);
        for target in ["w_200,h_200", "w_100,h_100", "w_120,h_40", "w_50,h_50"] {
            let name = format!("{w}x{h} fill {target}");
            let process_str = format!("image/resize,m_fill,{target}/quality,q_80");
            let idle = process(&jpeg, &ops(&process_str), &limits).expect("idle");
            let held: Vec<_> = (0..cores).map(|_| cores::enter()).collect();
            assert!(!cores::spare(), "every core counted");
            // What the pipeline's decode does under load: a window smaller than the picture.
            let Some(Op::Resize(r)) = ops(&process_str).into_iter().next() else {
                unreachable!()
            };
            let plan = resize::plan(w, h, &r, false, &limits).expect("plan");
            let window = plan.fill_window().expect("a fill of a non-square picture");
            let denom = decode::jpeg::choose_denominator(w, h, plan.decode_hint(w, h).unwrap());
            assert!(
                denom == 4 || denom == 8,
                "{name}: decoded at 1/{denom}, not by ours"
            );
            let (b, at) = decode::jpeg::decode_window(&jpeg, denom, (w, h), window).unwrap();
            assert!(
                b.width < at.full.0 || b.height < at.full.1,
                "{name}: not a window"
            );
            let loaded = process(&jpeg, &ops(&process_str), &limits).expect("loaded");
            drop(held);
            assert!(idle.body == loaded.body, "{name}: idle and loaded differ");
        }
    }
}
