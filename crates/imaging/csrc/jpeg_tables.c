/* JPEG encoding with our own quantisation tables through the libjpeg API of the vendored
 * libjpeg-turbo (the TurboJPEG API, which the turbojpeg crate wraps, always uses the Annex K tables).
 * Kept in C because libjpeg reports errors by longjmp: the jump must not cross Rust frames, and here
 * it only crosses libjpeg's own. The tables themselves, and the reasons for them, are in
 * src/encode/jpeg_tables.rs. */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "jpeglib.h"

struct cy_error {
  struct jpeg_error_mgr pub;
  jmp_buf jump;
};

static void cy_error_exit(j_common_ptr cinfo) {
  longjmp(((struct cy_error *)cinfo->err)->jump, 1);
}

static void cy_silent(j_common_ptr cinfo) { (void)cinfo; }

/* Errors jump back to the caller's setjmp (which must be in the caller's own frame); messages are
 * dropped. */
static void cy_errors(j_compress_ptr cinfo, struct cy_error *err) {
  cinfo->err = jpeg_std_error(&err->pub);
  err->pub.error_exit = cy_error_exit;
  err->pub.output_message = cy_silent;
}

/* The settings both encoders share: 4:2:0 YCbCr (jpeg_set_defaults for an RGB or YCbCr input), our
 * tables when `luma` is given (natural order, values 1..255) or else libjpeg's scaled to `quality`
 * as TurboJPEG does, optimised Huffman tables, the accurate integer DCT. */
static void cy_settings(j_compress_ptr cinfo, const unsigned int *luma, const unsigned int *chroma,
                        int quality, int progressive) {
  jpeg_set_defaults(cinfo);
  if (luma) {
    jpeg_add_quant_table(cinfo, 0, luma, 100, TRUE);
    jpeg_add_quant_table(cinfo, 1, chroma, 100, TRUE);
  } else {
    jpeg_set_quality(cinfo, quality, TRUE);
  }
  cinfo->optimize_coding = TRUE;
  cinfo->dct_method = JDCT_ISLOW;
  if (progressive) jpeg_simple_progression(cinfo);
}

/* Encodes 8-bit RGB rows (stride bytes apart) as a 4:2:0 JPEG with optimised Huffman tables and the
 * given luminance and chrominance tables (natural order, values 1..255). On success returns 0 and
 * hands over a malloc'd buffer in *out (free it with cy_jpeg_free); on any libjpeg error returns -1
 * and leaves nothing allocated. */
int cy_jpeg_encode_rgb(const unsigned char *rgb, unsigned int width, unsigned int height,
                       size_t stride, const unsigned int luma[64], const unsigned int chroma[64],
                       int progressive, unsigned char **out, unsigned long *out_len) {
  struct jpeg_compress_struct cinfo;
  struct cy_error err;
  /* Written by libjpeg through its address; volatile so that its value survives the longjmp. */
  unsigned char *volatile buf = NULL;
  unsigned long len = 0;

  cy_errors(&cinfo, &err);
  if (setjmp(err.jump)) {
    jpeg_destroy_compress(&cinfo);
    free(buf);
    return -1;
  }
  jpeg_create_compress(&cinfo);
  jpeg_mem_dest(&cinfo, (unsigned char **)&buf, &len);
  cinfo.image_width = width;
  cinfo.image_height = height;
  cinfo.input_components = 3;
  cinfo.in_color_space = JCS_RGB;
  cy_settings(&cinfo, luma, chroma, 0, progressive);
  jpeg_start_compress(&cinfo, TRUE);
  while (cinfo.next_scanline < cinfo.image_height) {
    JSAMPROW row = (JSAMPROW)(rgb + (size_t)cinfo.next_scanline * stride);
    jpeg_write_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_compress(&cinfo);
  jpeg_destroy_compress(&cinfo);
  *out = buf;
  *out_len = len;
  return 0;
}

/* Copies `rows` rows of `w` samples (from row `first` of a plane `h` rows high, `stride` bytes apart)
 * into `dst` rows `pad` samples wide, repeating the last column to the right and the last row
 * below: libjpeg reads whole blocks, and raw data bypasses the edge padding it does itself. */
static void cy_pad_rows(const unsigned char *plane, size_t stride, unsigned int w, unsigned int h,
                        unsigned int first, unsigned int rows, unsigned char *dst, unsigned int pad,
                        JSAMPROW *ptrs) {
  unsigned int r;
  for (r = 0; r < rows; r++) {
    unsigned int y = first + r < h ? first + r : h - 1;
    const unsigned char *src = plane + (size_t)y * stride;
    unsigned char *d = dst + (size_t)r * pad;
    memcpy(d, src, w);
    memset(d + w, src[w - 1], pad - w);
    ptrs[r] = d;
  }
}

/* Encodes Y, Cb and Cr planes as a 4:2:0 JPEG without any colour conversion: Y is `width` x `height`,
 * Cb and Cr are half that, rounded up, each plane's rows `strides[i]` bytes apart. `luma` and
 * `chroma` are our tables, or NULL for libjpeg's at `quality`. Returns as cy_jpeg_encode_rgb. */
int cy_jpeg_encode_planes(const unsigned char *const planes[3], const size_t strides[3],
                          unsigned int width, unsigned int height, const unsigned int *luma,
                          const unsigned int *chroma, int quality, int progressive,
                          unsigned char **out, unsigned long *out_len) {
  struct jpeg_compress_struct cinfo;
  struct cy_error err;
  unsigned char *volatile buf = NULL;
  /* One iMCU row of padded samples: 16 rows of Y, 8 of Cb and of Cr. */
  unsigned char *volatile scratch = NULL;
  unsigned long len = 0;
  unsigned int cw = (width + 1) / 2, ch = (height + 1) / 2;
  /* Whole MCUs (16 luma, 8 chroma samples), at least as wide as the planes. */
  unsigned int pad_y = (width + 15) / 16 * 16, pad_c = pad_y / 2;
  JSAMPROW y_rows[16], cb_rows[8], cr_rows[8];
  JSAMPARRAY image[3] = {y_rows, cb_rows, cr_rows};

  if (width == 0 || height == 0) return -1;
  cy_errors(&cinfo, &err);
  if (setjmp(err.jump)) {
    jpeg_destroy_compress(&cinfo);
    free(buf);
    free(scratch);
    return -1;
  }
  jpeg_create_compress(&cinfo);
  scratch = malloc((size_t)pad_y * 16 + (size_t)pad_c * 16);
  if (!scratch) longjmp(err.jump, 1);
  jpeg_mem_dest(&cinfo, (unsigned char **)&buf, &len);
  cinfo.image_width = width;
  cinfo.image_height = height;
  cinfo.input_components = 3;
  cinfo.in_color_space = JCS_YCbCr;
  cy_settings(&cinfo, luma, chroma, quality, progressive);
  cinfo.raw_data_in = TRUE;
  jpeg_start_compress(&cinfo, TRUE);
  while (cinfo.next_scanline < cinfo.image_height) {
    unsigned int row = cinfo.next_scanline;
    unsigned char *s = scratch;
    cy_pad_rows(planes[0], strides[0], width, height, row, 16, s, pad_y, y_rows);
    s += (size_t)pad_y * 16;
    cy_pad_rows(planes[1], strides[1], cw, ch, row / 2, 8, s, pad_c, cb_rows);
    s += (size_t)pad_c * 8;
    cy_pad_rows(planes[2], strides[2], cw, ch, row / 2, 8, s, pad_c, cr_rows);
    jpeg_write_raw_data(&cinfo, image, 16);
  }
  jpeg_finish_compress(&cinfo);
  jpeg_destroy_compress(&cinfo);
  free(scratch);
  *out = buf;
  *out_len = len;
  return 0;
}

void cy_jpeg_free(unsigned char *p) { free(p); }
