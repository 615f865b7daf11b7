//! The fonts behind OSS's `type` names.
//!
//! OSS names seven fonts. Each maps to a list of candidate files, looked up by file name in the
//! configured font directories (Debian's `fonts-*` packages put them under `/usr/share/fonts`); the
//! first found wins. A file named after the OSS font itself (`fangzhengkaiti.ttf`, `.otf` or `.ttc`) in a
//! font directory overrides the list, for sites that hold a licence for the original. When nothing is
//! found, the font compiled into the binary stands in: WenQuanYi Micro Hei (Apache-2.0, 5 MB), which has
//! the CJK and Latin glyphs, so a Chinese watermark renders out of the box on any machine. It is also the
//! per-character fallback when the chosen font lacks a glyph (Droid Sans Fallback has no digits).
//!
//! Files are read once, on first use, and kept for the life of the process; two names that resolve to
//! the same file share one copy.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use ab_glyph::{FontArc, FontRef, FontVec};
use cyanotype_process::Font;

/// WenQuanYi Micro Hei 0.2.0-beta (Debian fonts-wqy-microhei), Apache-2.0; see fonts/ in the repository.
static EMBEDDED_BYTES: &[u8] = include_bytes!("../../../../fonts/wqy-microhei.ttc");

/// Directories searched when the configuration names none.
pub const DEFAULT_DIRS: [&str; 2] = ["/usr/share/fonts", "/usr/local/share/fonts"];

/// The files (and face index inside a collection) that stand for each OSS font, best first.
pub fn candidates(font: Font) -> &'static [(&'static str, u32)] {
    match font {
        Font::WqyZenhei => &[("wqy-zenhei.ttc", 0)],
        Font::WqyMicrohei => &[("wqy-microhei.ttc", 0)],
        // Founder's fonts are proprietary; free fonts of the same family stand in.
        Font::FangzhengShusong => &[
            ("gbsn00lp.ttf", 0),
            ("uming.ttc", 0),
            ("NotoSerifCJK-Regular.ttc", 2),
        ],
        Font::FangzhengKaiti => &[("gkai00mp.ttf", 0), ("ukai.ttc", 0)],
        Font::FangzhengHeiti => &[("NotoSansCJK-Regular.ttc", 2), ("wqy-zenhei.ttc", 0)],
        Font::FangzhengFangsong => &[("uming.ttc", 0), ("gbsn00lp.ttf", 0)],
        Font::DroidSansFallback => &[
            ("DroidSansFallbackFull.ttf", 0),
            ("DroidSansFallback.ttf", 0),
        ],
    }
}

/// A loaded font and where it came from.
#[derive(Clone)]
pub struct Face {
    pub font: FontArc,
    /// The file path, or `embedded wqy-microhei` for the stand-in.
    pub source: String,
}

#[derive(Default)]
struct Loaded {
    by_name: HashMap<Font, Face>,
    by_file: HashMap<(PathBuf, u32), Face>,
}

/// The font book of one process: directories to search and the faces loaded so far.
pub struct Fonts {
    dirs: Vec<PathBuf>,
    loaded: Mutex<Loaded>,
    /// File name -> path, from one walk of the directories (on first use).
    index: OnceLock<HashMap<String, PathBuf>>,
}

impl Fonts {
    /// Fonts from `dirs` (searched in order), with the embedded stand-in.
    pub fn new(dirs: Vec<PathBuf>) -> Fonts {
        Fonts {
            dirs,
            loaded: Mutex::new(Loaded::default()),
            index: OnceLock::new(),
        }
    }

    /// Fonts from the default system directories.
    pub fn system() -> Fonts {
        Fonts::new(DEFAULT_DIRS.iter().map(PathBuf::from).collect())
    }

    /// Only the embedded font, for every name: the same pixels on every machine (tests, goldens).
    pub fn embedded_only() -> &'static Fonts {
        static ONLY: OnceLock<Fonts> = OnceLock::new();
        ONLY.get_or_init(|| Fonts::new(Vec::new()))
    }

    /// The embedded stand-in and fallback.
    pub fn embedded() -> Face {
        static FACE: OnceLock<Face> = OnceLock::new();
        FACE.get_or_init(|| Face {
            font: FontArc::new(
                FontRef::try_from_slice_and_index(EMBEDDED_BYTES, 0)
                    .expect("the embedded font parses"),
            ),
            source: "embedded wqy-microhei".to_string(),
        })
        .clone()
    }

    pub fn dirs(&self) -> &[PathBuf] {
        &self.dirs
    }

    /// The face for an OSS font name (read on first use).
    pub fn face(&self, font: Font) -> Face {
        let mut loaded = self.loaded.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(f) = loaded.by_name.get(&font) {
            return f.clone();
        }
        let face = self
            .resolve(font, &mut loaded)
            .unwrap_or_else(Fonts::embedded);
        loaded.by_name.insert(font, face.clone());
        face
    }

    /// Where a name would come from, without reading the file: the first candidate present, or the
    /// embedded stand-in.
    pub fn describe(&self, font: Font) -> String {
        self.present(font)
            .next()
            .map(|(p, _)| p.display().to_string())
            .unwrap_or_else(|| Fonts::embedded().source)
    }

    /// The candidate files of a name that exist in the directories, best first.
    fn present(&self, font: Font) -> impl Iterator<Item = (PathBuf, u32)> + '_ {
        let index = self.index.get_or_init(|| index_dirs(&self.dirs));
        let own = ["ttf", "otf", "ttc"].map(|ext| (format!("{}.{ext}", font.as_str()), 0));
        let listed = candidates(font).iter().map(|(n, i)| (n.to_string(), *i));
        own.into_iter()
            .chain(listed)
            .filter_map(move |(name, i)| index.get(&name).map(|p| (p.clone(), i)))
    }

    fn resolve(&self, font: Font, loaded: &mut Loaded) -> Option<Face> {
        for (path, face_index) in self.present(font) {
            if let Some(f) = loaded.by_file.get(&(path.clone(), face_index)) {
                return Some(f.clone());
            }
            match load(&path, face_index) {
                Some(f) => {
                    loaded.by_file.insert((path, face_index), f.clone());
                    return Some(f);
                }
                None => eprintln!(
                    "font {}: {} could not be read as a font; trying the next candidate",
                    font.as_str(),
                    path.display()
                ),
            }
        }
        None
    }
}

fn load(path: &Path, index: u32) -> Option<Face> {
    let bytes = std::fs::read(path).ok()?;
    let font = FontVec::try_from_vec_and_index(bytes, index).ok()?;
    Some(Face {
        font: FontArc::new(font),
        source: path.display().to_string(),
    })
}

/// Every font file under `dirs` by file name; the first directory wins. Bounded depth, no symlink
/// loops (symlinked directories are not followed).
fn index_dirs(dirs: &[PathBuf]) -> HashMap<String, PathBuf> {
    fn walk(dir: &Path, depth: u32, out: &mut HashMap<String, PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let Ok(kind) = e.file_type() else { continue };
            let path = e.path();
            if kind.is_dir() && depth < 6 {
                walk(&path, depth + 1, out);
            } else if kind.is_file() || kind.is_symlink() {
                let name = e.file_name().to_string_lossy().to_string();
                let lower = name.to_ascii_lowercase();
                if [".ttf", ".ttc", ".otf"].iter().any(|x| lower.ends_with(x)) {
                    out.entry(name).or_insert(path);
                }
            }
        }
    }
    let mut out = HashMap::new();
    for d in dirs {
        walk(d, 0, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ab_glyph::Font as _;

    #[test]
    fn embedded_font_has_cjk_and_latin() {
        let f = Fonts::embedded().font;
        for c in "Hello 图片服务! 0123456789 ©水印".chars() {
            assert_ne!(f.glyph_id(c).0, 0, "{c}");
        }
    }

    #[test]
    fn nothing_found_falls_back_to_embedded() {
        let fonts = Fonts::new(vec![PathBuf::from("/nonexistent-font-dir")]);
        for font in Font::ALL {
            assert_eq!(fonts.face(font).source, "embedded wqy-microhei");
        }
    }

    #[test]
    fn a_file_named_after_the_oss_font_overrides() {
        let dir = std::env::temp_dir().join(format!("cyanotype-fonts-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        std::fs::write(dir.join("sub/fangzhengkaiti.ttc"), EMBEDDED_BYTES).unwrap();
        // A broken candidate is skipped, not fatal.
        std::fs::write(dir.join("gkai00mp.ttf"), b"not a font").unwrap();
        std::fs::write(dir.join("ukai.ttc"), b"not a font").unwrap();
        let fonts = Fonts::new(vec![dir.clone()]);
        assert!(fonts
            .face(Font::FangzhengKaiti)
            .source
            .ends_with("fangzhengkaiti.ttc"));
        std::fs::remove_file(dir.join("sub/fangzhengkaiti.ttc")).unwrap();
        let fresh = Fonts::new(vec![dir.clone()]);
        assert_eq!(
            fresh.face(Font::FangzhengKaiti).source,
            "embedded wqy-microhei"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
