//! `crop`: origin from the gravity, plus x/y; sizes past the edge are clamped; a start outside the image
//! is OSS's `BadRequest` "Advance cut's position is out of image.".

use cyanotype_process::{Crop, Error, Gravity, Result};

use crate::bitmap::Bitmap;

/// The rectangle (x, y, w, h) a crop takes from a `w` x `h` image.
pub fn rect(c: &Crop, w: u32, h: u32) -> Result<(u32, u32, u32, u32)> {
    let cw = c.w.unwrap_or(w) as i64;
    let ch = c.h.unwrap_or(h) as i64;
    let (wi, hi) = (w as i64, h as i64);
    let (ox, oy) = match c.g {
        Gravity::Nw => (0, 0),
        Gravity::North => (wi / 2 - cw / 2, 0),
        Gravity::Ne => (wi - cw, 0),
        Gravity::West => (0, hi / 2 - ch / 2),
        Gravity::Center => (wi / 2 - cw / 2, hi / 2 - ch / 2),
        Gravity::East => (wi - cw, hi / 2 - ch / 2),
        Gravity::Sw => (0, hi - ch),
        Gravity::South => (wi / 2 - cw / 2, hi - ch),
        Gravity::Se => (wi - cw, hi - ch),
    };
    let x = (ox + c.x as i64).max(0);
    let y = (oy + c.y as i64).max(0);
    if x >= wi || y >= hi {
        return Err(Error::bad_request(
            "Advance cut's position is out of image.",
        ));
    }
    let rw = cw.min(wi - x);
    let rh = ch.min(hi - y);
    Ok((x as u32, y as u32, rw as u32, rh as u32))
}

pub fn apply(b: &Bitmap, c: &Crop) -> Result<Bitmap> {
    let (x, y, w, h) = rect(c, b.width, b.height)?;
    if (x, y, w, h) == (0, 0, b.width, b.height) {
        return Ok(b.clone());
    }
    Ok(b.sub_image(x, y, w, h))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn crop(x: u32, y: u32, w: Option<u32>, h: Option<u32>, g: Gravity) -> Crop {
        Crop { x, y, w, h, g }
    }

    #[test]
    fn origins_and_clamping() {
        assert_eq!(
            rect(&crop(100, 100, Some(100), Some(100), Gravity::Nw), 400, 267).unwrap(),
            (100, 100, 100, 100)
        );
        // doc: g_se with x/y shifts the lower-right rectangle down/right, clamped at the edge
        assert_eq!(
            rect(&crop(10, 10, Some(200), Some(200), Gravity::Se), 400, 267).unwrap(),
            (210, 77, 190, 190)
        );
        assert_eq!(
            rect(&crop(0, 0, Some(100), Some(100), Gravity::Center), 400, 267).unwrap(),
            (150, 83, 100, 100)
        );
        assert_eq!(
            rect(&crop(0, 0, Some(100), None, Gravity::East), 400, 267).unwrap(),
            (300, 0, 100, 267)
        );
        assert_eq!(
            rect(&crop(350, 0, Some(100), None, Gravity::Nw), 400, 267).unwrap(),
            (350, 0, 50, 267)
        );
        assert_eq!(
            rect(&crop(0, 0, Some(1000), Some(1000), Gravity::Se), 400, 267).unwrap(),
            (0, 0, 400, 267)
        );
    }

    #[test]
    fn start_outside_is_bad_request() {
        let e = rect(&crop(400, 0, None, None, Gravity::Nw), 400, 267).unwrap_err();
        assert_eq!(e.code, cyanotype_process::Code::BadRequest);
        assert_eq!(e.message, "Advance cut's position is out of image.");
    }
}
