//! Comparing our 1/8- and 1/4-scale JPEG decoder (and its full-size planes) with libjpeg-turbo's.

use cyanotype_imaging::decode::jpeg_dc::{
    decode_scaled, decode_scaled_scalar, decode_scaled_window,
};
use turbojpeg::{Compressor, Decompressor, Image, PixelFormat, ScalingFactor, Subsamp};

/// libjpeg-turbo's 1/`denom` decode to RGB, default flags (what decode::jpeg uses).
fn turbo_scaled(data: &[u8], denom: usize) -> Result<(usize, usize, Vec<u8>), String> {
    let mut d = Decompressor::new().map_err(|e| e.to_string())?;
    let header = d.read_header(data).map_err(|e| e.to_string())?;
    let factor = ScalingFactor::new(1, denom);
    d.set_scaling_factor(factor).map_err(|e| e.to_string())?;
    let s = header.scaled(factor);
    let mut pixels = vec![0u8; s.width * s.height * 3];
    let image = Image {
        pixels: pixels.as_mut_slice(),
        width: s.width,
        pitch: s.width * 3,
        height: s.height,
        format: PixelFormat::RGB,
    };
    d.decompress(data, image).map_err(|e| e.to_string())?;
    Ok((s.width, s.height, pixels))
}

/// Compares both decoders on `data` at 1/8 and at 1/4; true when ours took the file at 1/8.
pub fn same(name: &str, data: &[u8]) -> bool {
    same_at(name, data, 4);
    same_at(name, data, 8)
}

/// Compares both decoders on `data` at 1/`denom`; true when ours took the file.
pub fn same_at(name: &str, data: &[u8], denom: usize) -> bool {
    let name = &format!("{name} at 1/{denom}");
    let mut took = false;
    // One thread and two; the vector inverse DCTs and the BMI2 scan (where the CPU has them), and
    // the code any x86-64 runs.
    for (two, scalar) in [(false, false), (true, false), (false, true)] {
        let decoded = if scalar {
            decode_scaled_scalar(data, denom, two)
        } else {
            decode_scaled(data, denom, two)
        };
        let Some(ours) = decoded.map(|e| e.bitmap) else {
            continue;
        };
        took = true;
        let (w, h, theirs) = turbo_scaled(data, denom)
            .unwrap_or_else(|e| panic!("{name}: libjpeg-turbo refused a file we decoded: {e}"));
        assert_eq!(
            (ours.width as usize, ours.height as usize),
            (w, h),
            "{name}: size"
        );
        if ours.data != theirs {
            let differ: Vec<usize> = (0..theirs.len())
                .filter(|&i| ours.data[i] != theirs[i])
                .collect();
            let (diff, first) = (differ.len(), differ[0]);
            panic!("{name} (two threads: {two}, scalar: {scalar}): {diff} of {} bytes differ, first at pixel {} ({} vs {})",
                theirs.len(), first / 3, ours.data[first], theirs[first]);
        }
        if !two && !scalar {
            windows_match(name, data, denom, w, h, &theirs);
        }
        if !scalar {
            planes_match(name, data, 8 / denom, two);
        }
    }
    if !took {
        // A window declines what the whole decode declines (damage below it included).
        if let Ok((w, h)) = cyanotype_imaging::decode::jpeg::header(data) {
            let (w, h) = ((w as usize).div_ceil(denom), (h as usize).div_ceil(denom));
            for want in wants(w, h) {
                assert!(
                    decode_scaled_window(data, denom, want).is_none(),
                    "{name}: the window {want:?} was taken where the whole picture was declined"
                );
            }
        }
    }
    took
}

/// Our planes at `eighths`/8 (4:2:0 only: 1/1 on a CPU with AVX2, 3/8, 5/8, 3/4 and 7/8 with AVX2
/// and FMA) against libjpeg-turbo's, on one thread and on two, and windows of them; true when ours
/// took the file.
pub fn same_scaled_planes(name: &str, data: &[u8], eighths: usize) -> bool {
    let name = &format!("{name} at {eighths}/8");
    let one = planes_match(name, data, eighths, false);
    let two = planes_match(name, data, eighths, true);
    assert_eq!(
        one, two,
        "{name}: taken on one thread but not on two, or the reverse"
    );
    one
}

/// Our planes (4:2:0 only) against libjpeg-turbo's raw planes at the same scale, over the
/// picture's samples, and our windows of them against the whole; true when ours took the file. At
/// 1/8, 1/4 and 1/1 the same bytes; at the other scales, whose inverse DCTs are ours (floats where
/// libjpeg-turbo's are integers), each sample within one, and at most 1 in 20 off (the most seen:
/// 1.9%, the chroma of hopper_baseline.jpg at 3/8).
fn planes_match(name: &str, data: &[u8], eighths: usize, two: bool) -> bool {
    use cyanotype_imaging::decode::{jpeg_dc, jpeg_planes};
    let Some(ours) = jpeg_dc::decode_planes(data, eighths, two) else {
        return false;
    };
    let theirs = match jpeg_planes::decode_planes(data, eighths as u32) {
        Some(Ok((p, at))) => {
            // Both decoders place the source's picture alike (a part of the last pixel when the
            // side times eighths/8 is not whole).
            let placed = cyanotype_imaging::ops::resize::Placement::scaled(
                ours.origin,
                ours.full,
                ours.source,
                eighths as u32,
            );
            assert_eq!(placed, at, "{name}: placement");
            p
        }
        other => panic!(
            "{name}: libjpeg-turbo refused the planes of a file we decoded: {:?}",
            other.map(|r| r.err())
        ),
    };
    let exact = eighths.is_power_of_two();
    let ours = ours.planes;
    assert_eq!(
        (ours.width, ours.height),
        (theirs.width, theirs.height),
        "{name}: planes' size"
    );
    // Only the picture's samples: past them both pad to whole blocks, libjpeg-turbo with whatever
    // its buffer held where a block lies outside the component.
    for (i, (a, b)) in ours.planes.iter().zip(&theirs.planes).enumerate() {
        let div = if i == 0 { 1 } else { 2 };
        let (w, h) = (
            (ours.width as usize).div_ceil(div),
            (ours.height as usize).div_ceil(div),
        );
        let (mut off, mut samples) = (0, 0);
        for y in 0..h {
            let (ra, rb) = (y * a.width as usize, y * b.width as usize);
            let (ra, rb) = (&a.data[ra..ra + w], &b.data[rb..rb + w]);
            if exact {
                assert!(
                    ra == rb,
                    "{name} (two threads: {two}): plane {i}, row {y} differs from libjpeg-turbo's"
                );
                continue;
            }
            for (x, (p, q)) in ra.iter().zip(rb).enumerate() {
                assert!(
                    p.abs_diff(*q) <= 1,
                    "{name} (two threads: {two}): plane {i} ({x}, {y}): {p}, libjpeg-turbo {q}"
                );
                off += (p != q) as usize;
            }
            samples += w;
        }
        assert!(
            off * 20 <= samples,
            "{name}: plane {i}, {off} of {samples} samples off by one"
        );
    }
    if two {
        return true;
    }
    for want in wants(ours.width as usize, ours.height as usize) {
        let win = jpeg_dc::decode_planes_window(data, eighths, want)
            .unwrap_or_else(|| panic!("{name}: the planes' window {want:?} was declined"));
        let (x0, y0) = (win.origin.0 as usize, win.origin.1 as usize);
        assert!(
            x0 <= want[0] && y0 <= want[1],
            "{name}: window {want:?} at ({x0}, {y0})"
        );
        assert!(
            x0 + win.planes.width as usize >= want[2] && y0 + win.planes.height as usize >= want[3],
            "{name}: window {want:?} too small"
        );
        for (i, (a, b)) in win.planes.planes.iter().zip(&ours.planes).enumerate() {
            let (dx, dy) = if i == 0 { (1, 1) } else { (2, 2) };
            let (ox, oy) = (x0 / dx, y0 / dy);
            for y in 0..a.height as usize {
                let ra = y * a.width as usize;
                let rb = (oy + y) * b.width as usize + ox;
                assert!(
                    a.data[ra..ra + a.width as usize] == b.data[rb..rb + a.width as usize],
                    "{name}: planes' window {want:?}, plane {i} row {y} differs from the whole's"
                );
            }
        }
    }
    true
}

/// The windows tried: the middle columns (a landscape photo filled to a square), the middle rows,
/// a small one inside, one at the bottom right corner.
fn wants(w: usize, h: usize) -> [[usize; 4]; 4] {
    [
        [w / 8, 0, w - w / 8, h],
        [0, h / 8, w, h - h / 8],
        [w / 3, h / 3, w / 2 + 1, h / 2 + 1],
        [w.saturating_sub(1), h.saturating_sub(1), w, h],
    ]
}

/// Windows of the picture (`wants`) must be decoded as the same pixels as the whole picture has
/// there, and cover what was asked.
fn windows_match(name: &str, data: &[u8], denom: usize, w: usize, h: usize, whole: &[u8]) {
    for want in wants(w, h) {
        let s = decode_scaled_window(data, denom, want)
            .unwrap_or_else(|| panic!("{name}: the window {want:?} was declined"));
        let (x0, y0) = (s.origin.0 as usize, s.origin.1 as usize);
        let (bw, bh) = (s.bitmap.width as usize, s.bitmap.height as usize);
        assert_eq!(s.full, (w as u32, h as u32), "{name}: full size");
        assert!(
            x0 <= want[0] && y0 <= want[1] && x0 + bw >= want[2] && y0 + bh >= want[3],
            "{name}: window {want:?} got origin ({x0}, {y0}) size {bw}x{bh}"
        );
        for y in 0..bh {
            let row = &whole[((y0 + y) * w + x0) * 3..((y0 + y) * w + x0 + bw) * 3];
            assert!(
                s.bitmap.data[y * bw * 3..(y + 1) * bw * 3] == *row,
                "{name}: window {want:?}, row {y} differs from the whole picture's"
            );
        }
    }
}

/// A picture with detail everywhere (so the scan is large) and smooth colour (so chroma AC matters).
pub fn picture(w: usize, h: usize) -> Vec<u8> {
    let mut px = Vec::with_capacity(w * h * 3);
    let mut seed = 0x2545_f491_u32;
    for y in 0..h {
        for x in 0..w {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            let noise = (seed % 48) as usize;
            px.push(((x * 255 / w) + noise).min(255) as u8);
            px.push(((y * 255 / h) + noise / 2) as u8);
            px.push((((x + y) % 97) * 2 + noise) as u8);
        }
    }
    px
}

/// `picture(w, h)` written by TurboJPEG at quality `q` with subsampling `sub`.
pub fn generated(sub: Subsamp, w: usize, h: usize, q: i32) -> Vec<u8> {
    let px = picture(w, h);
    let mut c = Compressor::new().unwrap();
    c.set_quality(q).unwrap();
    c.set_subsamp(sub).unwrap();
    let img = Image {
        pixels: px.as_slice(),
        width: w,
        pitch: w * 3,
        height: h,
        format: PixelFormat::RGB,
    };
    c.compress_to_vec(img).unwrap()
}

/// Calls `check` on `data` cut short (at half and 3 bytes before the end) and with one byte changed
/// (at a third, a half and three quarters of it): the damage both decoder tests feed.
pub fn cut_and_changed(name: &str, data: &[u8], mut check: impl FnMut(&str, &[u8])) {
    for cut in [data.len() / 2, data.len() - 3] {
        check(&format!("{name} cut at {cut}"), &data[..cut]);
    }
    for at in [data.len() / 3, data.len() / 2, data.len() * 3 / 4] {
        let mut bad = data.to_vec();
        bad[at] ^= 0x5A;
        check(&format!("{name} byte {at} changed"), &bad);
    }
}
