//! A JPEG resized to a JPEG or a lossy WebP goes through Y'CbCr planes (`pipeline::planar`), decoded by our
//! decoder at 1/8 and 1/4 and by libjpeg-turbo otherwise. Here every test JPEG and generated ones of each subsampling and odd
//! sizes go both ways, for resizes of every mode that path takes: through the planes, and through
//! bitmaps (forced by a `bright,0` after the resize, which changes no pixel). The answers must agree
//! on success or error, on size, and closely on pixels; and the planes path must really have been
//! taken for the files it can take (the bytes differ, since chroma is resampled at its own size),
//! and for no other.

mod common;

use common::eighth::generated;
use common::{decode_rgba, jpeg_files, ops, testdata};
use cyanotype_imaging::decode::{self, jpeg_planes};
use cyanotype_imaging::{jpeg_meta, ops::orient, ops::resize, process, Bitmap, Limits, Output};
use cyanotype_process::Op;
use turbojpeg::Subsamp;

const RESIZES: [&str; 12] = [
    "image/resize,w_300",
    "image/resize,w_300/format,webp",
    "image/resize,m_fill,w_120,h_90/format,webp/quality,q_90",
    "image/resize,w_100",
    "image/resize,m_pad,w_100,h_100",
    "image/resize,w_300/quality,q_80",
    "image/resize,m_fill,w_120,h_90",
    "image/resize,m_fixed,w_77,h_33",
    "image/resize,p_60/interlace,1",
    "image/resize,m_lfit,w_201,h_201/quality,q_30",
    "image/resize,w_1001,limit_0/format,jpg",
    "image/resize,m_mfit,w_5,h_3",
];

/// The smallest peak signal-to-noise ratio (dB, over RGB) allowed between the two paths for outputs
/// of at least 32 px a side. Measured (the test prints it): 35.2 dB at the worst (a generated 4:4:0
/// picture with noise, squeezed to 77x33).
const MIN_PSNR: f64 = 30.0;

/// For tiny outputs (under 32 px a side): there the edges are most of the picture, and the two paths
/// extend chroma past the edge differently (the bitmap path's encoder repeats the last pixel before
/// averaging chroma; the planes are resampled with the edge repeated at chroma resolution), so a
/// 9x3 thumbnail of a 4:2:2 file comes out at 24.4 dB.
const MIN_PSNR_TINY: f64 = 20.0;

fn psnr(a: &Bitmap, b: &Bitmap) -> f64 {
    let mut sum = 0u64;
    let mut n = 0u64;
    for (p, q) in a.data.chunks_exact(4).zip(b.data.chunks_exact(4)) {
        for c in 0..3 {
            let d = p[c] as i64 - q[c] as i64;
            sum += (d * d) as u64;
            n += 1;
        }
    }
    if sum == 0 {
        return f64::INFINITY;
    }
    10.0 * (255.0f64 * 255.0 / (sum as f64 / n as f64)).log10()
}

/// `text` through the planes and through bitmaps (a `bright,0` after it, which changes no pixel):
/// both must fail alike or give the same size and type; the two answers and their PSNR when they
/// succeed.
fn both_ways(name: &str, data: &[u8], text: &str) -> Option<(Output, Output, f64)> {
    let limits = Limits::default();
    let planes = process(data, &ops(text), &limits);
    let bitmaps = process(data, &ops(&format!("{text}/bright,0")), &limits);
    let (planes, bitmaps) = match (planes, bitmaps) {
        (Ok(p), Ok(b)) => (p, b),
        (Err(p), Err(b)) => {
            assert_eq!((p.code, &p.message), (b.code, &b.message), "{name} {text}");
            return None;
        }
        (p, b) => panic!("{name} {text}: planes {:?}, bitmaps {:?}", p.err(), b.err()),
    };
    assert_eq!(
        (planes.width, planes.height, planes.content_type),
        (bitmaps.width, bitmaps.height, bitmaps.content_type),
        "{name} {text}"
    );
    let (a, b) = (decode_rgba(&planes.body), decode_rgba(&bitmaps.body));
    assert_eq!((a.width, a.height), (planes.width, planes.height));
    let q = psnr(&a, &b);
    Some((planes, bitmaps, q))
}

/// What `pipeline::planar` requires besides a file with planes: a resize that scales without
/// padding, and no ICC profile.
fn takes_planes(data: &[u8], text: &str) -> bool {
    let Some(Op::Resize(r)) = ops(text).into_iter().next() else {
        unreachable!()
    };
    let (w, h) = decode::jpeg::header(data).unwrap();
    let plan = resize::plan(w, h, &r, false, &Limits::default()).unwrap();
    let scales = matches!(plan, resize::Plan::Scale { pad: None, .. });
    scales && jpeg_meta::read(data).icc.is_none()
}

fn sources() -> Vec<(String, Vec<u8>)> {
    let mut paths = Vec::new();
    jpeg_files(&testdata().join("jpeg"), &mut paths);
    jpeg_files(&testdata().join("oss"), &mut paths);
    let mut out: Vec<(String, Vec<u8>)> = paths
        .iter()
        .map(|p| (p.display().to_string(), std::fs::read(p).unwrap()))
        .collect();
    for (sub, w, h) in [
        (Subsamp::Sub2x2, 1001, 751),
        (Subsamp::Sub2x2, 640, 480),
        (Subsamp::Sub2x1, 999, 333),
        (Subsamp::None, 517, 389),
        (Subsamp::Sub1x2, 300, 601),
    ] {
        out.push((
            format!("generated {sub:?} {w}x{h}"),
            generated(sub, w, h, 90),
        ));
    }
    // Damaged: cut short. Both paths must refuse or accept it alike.
    let photo = generated(Subsamp::Sub2x2, 800, 600, 90);
    out.push(("cut at 60%".into(), photo[..photo.len() * 6 / 10].to_vec()));
    // Damaged inside the scan (bytes overwritten: bad codes, or stray markers), and with bytes
    // after its end: libjpeg-turbo warns, and the planes path gives the bitmap path's error.
    for (at, with) in [(45, 0x00u8), (70, 0xFF)] {
        let mut bad = photo.clone();
        let i = bad.len() * at / 100;
        bad[i..i + 40].fill(with);
        out.push((format!("overwritten with {with:#04x} at {at}%"), bad));
    }
    let mut trailing = photo.clone();
    trailing.extend_from_slice(b"trailing bytes");
    out.push(("bytes after EOI".into(), trailing));
    out
}

#[test]
fn planes_agree_with_bitmaps() {
    let (mut taken, mut compared, mut worst) = (0, 0, f64::INFINITY);
    let mut worst_case = String::new();
    for (name, data) in sources() {
        let decodable = matches!(jpeg_planes::decode_planes(&data, 1), Some(Ok(_)));
        for text in RESIZES {
            let Some((planes, bitmaps, q)) = both_ways(&name, &data, text) else {
                continue;
            };
            let tiny = planes.width.min(planes.height) < 32;
            let min = if tiny { MIN_PSNR_TINY } else { MIN_PSNR };
            assert!(q >= min, "{name} {text}: {q:.1} dB");
            if !tiny && q < worst {
                worst = q;
                worst_case = format!("{name} {text}");
            }
            compared += 1;
            // Where the planes path is not taken both requests are the bitmap path, byte for byte.
            // Where it is, the bytes differ, except for a flat picture (one of the camera files
            // is black), so that is checked on the generated pictures, which have detail everywhere.
            let expected = decodable && takes_planes(&data, text);
            let differ = planes.body != bitmaps.body;
            if !expected || name.starts_with("generated") {
                assert_eq!(differ, expected, "{name} {text}: planes path taken?");
            }
            taken += differ as usize;
        }
    }
    println!("{compared} compared, {taken} through planes, worst {worst:.1} dB ({worst_case})");
    assert!(taken >= 5 * RESIZES.len(), "only {taken} through planes");
}

/// Requests that only move pixels (or none): `pipeline::planar::moved` re-encodes them from the file's
/// own planes. Measured (the test prints it): 318 compared, 188 through planes, 34.2 dB at the worst.
const MOVES: [&str; 7] = [
    "image/rotate,90",
    "image/format,webp",
    "image/rotate,180",
    "image/rotate,270/quality,q_70",
    "image/quality,Q_80/interlace,1",
    "image/auto-orient,1",
    "image/auto-orient,1/rotate,90",
];

/// What `pipeline::planar::moved` requires: a right-angle rotate (EXIF's orientation and the turn make
/// one move), a 4:2:0 file with no ICC profile, and sides the move can reverse with their chroma
/// (`orient_keeps_chroma`).
fn takes_moved(data: &[u8], text: &str) -> bool {
    let orientation = if text.contains("auto-orient,1") {
        decode::probe(data).map_or(1, |p| p.orientation)
    } else {
        1
    };
    let o = match ops(text).iter().find_map(|op| match op {
        Op::Rotate(d) => Some(*d),
        _ => None,
    }) {
        None => orientation,
        Some(d) => orient::then(orientation, orient::of_turn(d).unwrap()),
    };
    let Ok(size) = decode::jpeg::header(data) else {
        return false;
    };
    decode::jpeg::is_420(data)
        && jpeg_meta::read(data).icc.is_none()
        && cyanotype_imaging::planes::orient_keeps_chroma(o, size)
}

#[test]
fn moved_planes_agree_with_bitmaps() {
    let (mut taken, mut compared, mut worst) = (0, 0, f64::INFINITY);
    let mut worst_case = String::new();
    for (name, data) in sources() {
        let decodable = matches!(jpeg_planes::decode_planes(&data, 8), Some(Ok(_)));
        for text in MOVES {
            let Some((planes, bitmaps, q)) = both_ways(&name, &data, text) else {
                continue;
            };
            assert!(q >= MIN_PSNR, "{name} {text}: {q:.1} dB");
            if q < worst {
                worst = q;
                worst_case = format!("{name} {text}");
            }
            compared += 1;
            let expected = decodable && takes_moved(&data, text);
            let differ = planes.body != bitmaps.body;
            if !expected || name.starts_with("generated") {
                assert_eq!(differ, expected, "{name} {text}: planes path taken?");
            }
            taken += differ as usize;
        }
    }
    println!("{compared} compared, {taken} through planes, worst {worst:.1} dB ({worst_case})");
    assert!(taken >= 3 * MOVES.len(), "only {taken} through planes");
}

/// Resizes of pictures turned upright first, or turned by a right-angle rotate before or after the
/// resize: `pipeline::planar` turns the decoded planes, once for all the moves. A fill followed by a
/// turn and a turn that is not a right angle stay on bitmaps; they are here to show both paths
/// agree there too.
/// Measured (the test prints it): 246 through planes, 33.4 dB at the worst.
const ORIENTED: [&str; 10] = [
    "image/auto-orient,1/resize,w_300",
    "image/resize,m_fill,w_120,h_90/auto-orient,1",
    "image/auto-orient,1/resize,m_lfit,w_201,h_201/quality,q_30",
    "image/auto-orient,1/resize,w_100",
    "image/resize,w_300/rotate,90",
    "image/rotate,270/resize,w_300",
    "image/auto-orient,1/resize,w_300/rotate,180",
    "image/auto-orient,1/rotate,90/resize,m_fill,w_120,h_90",
    "image/resize,m_fill,w_120,h_90/rotate,90",
    "image/resize,w_100/rotate,45",
];

#[test]
fn oriented_planes_agree_with_bitmaps() {
    let (mut taken, mut worst) = (0, f64::INFINITY);
    for (name, data) in sources() {
        for text in ORIENTED {
            let Some((planes, bitmaps, q)) = both_ways(&name, &data, text) else {
                continue;
            };
            let min = if planes.width.min(planes.height) < 32 {
                MIN_PSNR_TINY
            } else {
                MIN_PSNR
            };
            assert!(q >= min, "{name} {text}: {q:.1} dB");
            worst = f64::min(worst, q);
            let differ = planes.body != bitmaps.body;
            // The 1800x1200 photos in all eight orientations, 4:2:0, halved on load for 300 px: even
            // sides, so every orientation keeps its chroma grid and the planes path is taken.
            let file = name.rsplit('/').next().unwrap_or("");
            if text.contains("w_300")
                && (file.starts_with("Landscape_") || file.starts_with("Portrait_"))
            {
                assert!(differ, "{name} {text}: planes path not taken");
            }
            // A fill that crops (3:2 photos to 4:3) then turns, and any turn by 45, stay on bitmaps
            // (a fill of a 4:3 picture to 4:3 is a plain scale, and may take the planes).
            let photo = file.starts_with("Landscape_") || file.starts_with("Portrait_");
            if (photo && text.contains("fill,w_120,h_90/rotate")) || text.contains("rotate,45") {
                assert!(!differ, "{name} {text}: only bitmaps turn a crop or by 45");
            }
            taken += differ as usize;
        }
    }
    println!("{taken} through planes, worst {worst:.1} dB");
    assert!(taken >= 18, "only {taken} through planes");
}

/// Resizes of still WebPs to lossy WebP or JPEG: `pipeline::planar::webp_resized` decodes the VP8
/// planes and resamples them (no RGB either way; to a JPEG the samples are stretched from video to
/// full range). A lossless source stays lossless without a quality, on bitmaps, and goes to a JPEG
/// on bitmaps; alpha, animation and ICC profiles stay on bitmaps too.
/// Measured (the test prints it): 55 compared, 23 through planes, 30.3 dB at the worst (a 100 px
/// WebP asked for 100 px, so only re-encoded: against Pillow's decode of the source the planes'
/// answer is the closer, 37.1 dB, the bitmaps' 30.6).
const WEBP_RESIZES: [&str; 8] = [
    "image/resize,w_300",
    "image/resize,m_fill,w_120,h_90/quality,q_70",
    "image/resize,w_100/quality,Q_80",
    "image/resize,p_60/format,webp",
    "image/resize,m_pad,w_100,h_100/quality,q_80",
    "image/resize,w_300/format,jpg",
    "image/resize,m_fill,w_120,h_90/format,jpg/quality,q_80",
    "image/resize,m_pad,w_100,h_100/format,jpg",
];

fn webp_sources() -> Vec<(String, Vec<u8>)> {
    let dir = testdata().join("webp");
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "webp"))
        .map(|p| (p.display().to_string(), std::fs::read(&p).unwrap()))
        // An animation never takes the planes, and `bright,0` is not the same request for it (it
        // keeps only the first frame).
        .filter(|(_, data)| decode::webp::frame_count(data) == 1)
        .collect();
    out.sort();
    let limits = Limits::default();
    for (w, h) in [(1001, 751), (999, 333), (517, 389)] {
        let jpeg = generated(Subsamp::Sub2x2, w, h, 90);
        let webp = process(&jpeg, &ops("image/format,webp/quality,q_90"), &limits).unwrap();
        out.push((format!("generated webp {w}x{h}"), webp.body));
    }
    let photo = out.last().unwrap().1.clone();
    out.push((
        "webp cut at 60%".into(),
        photo[..photo.len() * 6 / 10].to_vec(),
    ));
    out
}

/// What `webp_resized` requires: a still WebP without alpha or ICC profile, a resize that scales
/// without padding, and lossy WebP output (a lossless source asks for it with a quality) or JPEG
/// output from a lossy source.
fn takes_webp_planes(data: &[u8], text: &str) -> bool {
    let Ok(p) = decode::probe(data) else {
        return false;
    };
    let Ok(info) = decode::webp::info(data) else {
        return false;
    };
    let Some(Op::Resize(r)) = ops(text).into_iter().next() else {
        unreachable!()
    };
    let plan = resize::plan(p.width, p.height, &r, false, &Limits::default()).unwrap();
    let lossless = data.windows(4).take(64).any(|w| w == b"VP8L");
    p.frames == 1
        && !info.has_alpha
        && decode::webp::icc(data).is_none()
        && matches!(plan, resize::Plan::Scale { pad: None, .. })
        && if text.contains("format,jpg") {
            !lossless
        } else {
            !lossless || text.contains("quality")
        }
}

#[test]
fn webp_planes_agree_with_bitmaps() {
    let (mut taken, mut compared, mut worst) = (0, 0, f64::INFINITY);
    let mut worst_case = String::new();
    for (name, data) in webp_sources() {
        for text in WEBP_RESIZES {
            let Some((planes, bitmaps, q)) = both_ways(&name, &data, text) else {
                continue;
            };
            let tiny = planes.width.min(planes.height) < 32;
            assert!(
                q >= if tiny { MIN_PSNR_TINY } else { MIN_PSNR },
                "{name} {text}: {q:.1} dB"
            );
            if !tiny && q < worst {
                worst = q;
                worst_case = format!("{name} {text}");
            }
            compared += 1;
            let expected = takes_webp_planes(&data, text);
            let differ = planes.body != bitmaps.body;
            if !expected || name.starts_with("generated") {
                assert_eq!(differ, expected, "{name} {text}: planes path taken?");
            }
            taken += differ as usize;
        }
    }
    println!("{compared} compared, {taken} through planes, worst {worst:.1} dB ({worst_case})");
    assert!(taken >= 3 * 4, "only {taken} through planes");
}
