//! Compiles csrc/jpeg_tables.c (JPEG encoding with our own quantisation tables) against the headers of
//! the libjpeg-turbo that turbojpeg-sys builds and links; see src/encode/jpeg_tables.rs.
fn main() {
    println!("cargo:rerun-if-changed=csrc/jpeg_tables.c");
    let include = std::env::var("DEP_TURBOJPEG_INCLUDE")
        .expect("turbojpeg-sys exports the include directory of its libjpeg-turbo build");
    let mut build = cc::Build::new();
    for dir in include.split(',') {
        build.include(dir);
    }
    build
        .file("csrc/jpeg_tables.c")
        .warnings(true)
        .compile("cyanotype_jpeg_tables");
}
