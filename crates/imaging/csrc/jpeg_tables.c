/* JPEG encoding with our own quantisation tables through the libjpeg API of the vendored
 * libjpeg-turbo (the TurboJPEG API, which the turbojpeg crate wraps, always uses the Annex K tables).
 * Kept in C because libjpeg reports errors by longjmp: the jump must not cross Rust frames, and here
 * it only crosses libjpeg's own. The tables themselves, and the reasons for them, are in
 * src/encode/jpeg_tables.rs. */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include "jpeglib.h"

struct cy_error {
  struct jpeg_error_mgr pub;
  jmp_buf jump;
};

static void cy_error_exit(j_common_ptr cinfo) {
  longjmp(((struct cy_error *)cinfo->err)->jump, 1);
}

static void cy_silent(j_common_ptr cinfo) { (void)cinfo; }

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

  cinfo.err = jpeg_std_error(&err.pub);
  err.pub.error_exit = cy_error_exit;
  err.pub.output_message = cy_silent;
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
  jpeg_set_defaults(&cinfo); /* YCbCr with 2x2 luma sampling: 4:2:0 */
  jpeg_add_quant_table(&cinfo, 0, luma, 100, TRUE);
  jpeg_add_quant_table(&cinfo, 1, chroma, 100, TRUE);
  cinfo.optimize_coding = TRUE;
  cinfo.dct_method = JDCT_ISLOW;
  if (progressive) jpeg_simple_progression(&cinfo);
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

void cy_jpeg_free(unsigned char *p) { free(p); }
