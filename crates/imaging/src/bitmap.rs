//! The pixel buffer every action works on: 8-bit sRGB, 3 (RGB) or 4 (RGBA, straight alpha) channels.
//!
//! Grey and palette sources become RGB at decode; 16-bit sources are reduced to 8 bits. Keeping opaque
//! images at 3 channels saves a quarter of the memory and bandwidth on the hot JPEG path.

use cyanotype_process::Rgb;

#[derive(Clone, PartialEq, Eq)]
pub struct Bitmap {
    pub width: u32,
    pub height: u32,
    /// 3 or 4.
    pub channels: u8,
    pub data: Vec<u8>,
}

impl std::fmt::Debug for Bitmap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Bitmap({}x{}x{})",
            self.width, self.height, self.channels
        )
    }
}

impl Bitmap {
    pub fn new(width: u32, height: u32, channels: u8, data: Vec<u8>) -> Self {
        debug_assert!(channels == 3 || channels == 4);
        debug_assert_eq!(
            data.len(),
            width as usize * height as usize * channels as usize
        );
        Bitmap {
            width,
            height,
            channels,
            data,
        }
    }

    /// A canvas filled with one colour (alpha 255 when it has 4 channels, unless `transparent`).
    pub fn filled(width: u32, height: u32, channels: u8, color: Rgb, transparent: bool) -> Self {
        let px: [u8; 4] = [color.0, color.1, color.2, if transparent { 0 } else { 255 }];
        let n = width as usize * height as usize;
        let mut data = Vec::with_capacity(n * channels as usize);
        for _ in 0..n {
            data.extend_from_slice(&px[..channels as usize]);
        }
        Bitmap::new(width, height, channels, data)
    }

    pub fn has_alpha(&self) -> bool {
        self.channels == 4
    }

    pub fn stride(&self) -> usize {
        self.width as usize * self.channels as usize
    }

    pub fn pixel_count(&self) -> usize {
        self.width as usize * self.height as usize
    }

    /// Whether any pixel is not fully opaque.
    pub fn any_transparent(&self) -> bool {
        self.channels == 4 && self.data.chunks_exact(4).any(|p| p[3] != 255)
    }

    /// The same pixels with 4 channels.
    pub fn to_rgba(&self) -> Bitmap {
        if self.channels == 4 {
            return self.clone();
        }
        let mut data = Vec::with_capacity(self.pixel_count() * 4);
        for p in self.data.chunks_exact(3) {
            data.extend_from_slice(&[p[0], p[1], p[2], 255]);
        }
        Bitmap::new(self.width, self.height, 4, data)
    }

    pub fn into_rgba(self) -> Bitmap {
        if self.channels == 4 {
            self
        } else {
            self.to_rgba()
        }
    }

    /// Composite over an opaque background colour and drop the alpha channel.
    pub fn flatten(self, bg: Rgb) -> Bitmap {
        if self.channels == 3 {
            return self;
        }
        let bgc = [bg.0 as u32, bg.1 as u32, bg.2 as u32];
        let mut data = Vec::with_capacity(self.pixel_count() * 3);
        for p in self.data.chunks_exact(4) {
            let a = p[3] as u32;
            for c in 0..3 {
                data.push(((p[c] as u32 * a + bgc[c] * (255 - a) + 127) / 255) as u8);
            }
        }
        Bitmap::new(self.width, self.height, 3, data)
    }

    /// Drop alpha when every pixel is opaque (so a JPEG-bound image takes the fast 3-channel path).
    pub fn drop_opaque_alpha(self) -> Bitmap {
        if self.channels == 4 && !self.any_transparent() {
            self.flatten(Rgb::WHITE)
        } else {
            self
        }
    }

    /// Copy out the rectangle (x, y, w, h), which must lie inside the image.
    pub fn sub_image(&self, x: u32, y: u32, w: u32, h: u32) -> Bitmap {
        debug_assert!(x + w <= self.width && y + h <= self.height);
        let c = self.channels as usize;
        let stride = self.stride();
        let mut data = Vec::with_capacity(w as usize * h as usize * c);
        for row in y..y + h {
            let start = row as usize * stride + x as usize * c;
            data.extend_from_slice(&self.data[start..start + w as usize * c]);
        }
        Bitmap::new(w, h, self.channels, data)
    }
}
