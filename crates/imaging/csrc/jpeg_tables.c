/* JPEG encoding with our own quantisation tables through the libjpeg API of the vendored
 * libjpeg-turbo (the TurboJPEG API, which the turbojpeg crate wraps, always uses the Annex K tables).
 * Kept in C because libjpeg reports errors by longjmp: the jump must not cross Rust frames, and here
 * it only crosses libjpeg's own. The tables themselves, and the reasons for them, are in
 * src/encode/jpeg_tables.rs. */
#include <setjmp.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "jpeglib.h"
#include "jerror.h"
#ifdef __SSE2__
#include <emmintrin.h>
#endif

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

/* The statistics pass of optimised Huffman coding, faster. libjpeg-turbo first runs every block
 * through a counting pass (jchuff.c's encode_mcu_gather), plain C that finds each coefficient's bit
 * length with a shift loop and branches on every zero: it was a tenth of a small JPEG-to-JPEG
 * resize, ten times its vector encoder. Here each block's non-zero coefficients become one 64-bit
 * mask in zigzag order, walked with count-trailing-zeros. The counts are the same, so the tables
 * and every output byte are too (tests in src/encode/jpeg.rs compare both ways).
 *
 * It hooks the entropy coder's public methods, which jpegint.h declares and jpeglib.h keeps opaque:
 * `cy_entropy` mirrors that struct of libjpeg-turbo 3.1.0 (pinned by turbojpeg-sys =1.2.0). After
 * jpeg_start_compress the coder is set up for the statistics pass; we replace its per-MCU and
 * end-of-pass methods, and the end of our pass builds the tables exactly as finish_pass_gather does.
 * The output pass's start then installs libjpeg's own encoder again. Only the single-scan Huffman
 * case is hooked (progressive scans have another coder). */
struct cy_entropy {
  void (*start_pass)(j_compress_ptr cinfo, boolean gather_statistics);
  boolean (*encode_mcu)(j_compress_ptr cinfo, JBLOCKROW *MCU_data);
  void *encode_mcus; /* lossless only */
  void (*finish_pass)(j_compress_ptr cinfo);
};
/* The mirror is checked against this version's jpegint.h only: a new libjpeg-turbo must be checked
 * again (and the statistics pass against its jchuff.c) before this line is changed. */
#if LIBJPEG_TURBO_VERSION_NUMBER != 3001000
#error "struct cy_entropy mirrors libjpeg-turbo 3.1.0's struct jpeg_entropy_encoder"
#endif

/* jchuff.h; a global symbol of the static library. `freq` has 257 entries. */
extern void jpeg_gen_optimal_table(j_compress_ptr cinfo, JHUFF_TBL *htbl, long freq[]);

struct cy_gather {
  long dc[NUM_HUFF_TBLS][257];
  long ac[NUM_HUFF_TBLS][257];
  int last_dc[MAX_COMPS_IN_SCAN];
};

/* Zigzag position -> natural (row-major) index, as jpeg_natural_order. */
static const unsigned char cy_natural[64] = {
  0,  1,  8,  16, 9,  2,  3,  10, 17, 24, 32, 25, 18, 11, 4,  5,  12, 19, 26, 33, 40, 48,
  41, 34, 27, 20, 13, 6,  7,  14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23,
  30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63};

/* Bits of |v| (0 for 0). */
static inline int cy_nbits(int v) {
  unsigned a = (unsigned)(v < 0 ? -v : v);
  return a ? 32 - __builtin_clz(a) : 0;
}

#ifdef __SSE2__
/* cy_spread[b][v]: the zigzag-order bits of the natural-order bits v of byte b (coefficients
 * 8b..8b+7). Built before main: read-only afterwards, so threads share it safely. */
static uint64_t cy_spread[8][256];

__attribute__((constructor)) static void cy_spread_init(void) {
  int k, b, v, j;
  unsigned char zigzag[64];
  for (k = 0; k < 64; k++) zigzag[cy_natural[k]] = (unsigned char)k;
  for (b = 0; b < 8; b++)
    for (v = 0; v < 256; v++) {
      uint64_t m = 0;
      for (j = 0; j < 8; j++)
        if (v >> j & 1) m |= (uint64_t)1 << zigzag[8 * b + j];
      cy_spread[b][v] = m;
    }
}

/* The block's non-zero AC coefficients as bits in zigzag order (bit k: position k; bit 0, the
 * DC, clear): compared 16 at a time in natural order, then each byte of that mask spread to its
 * zigzag positions by table. */
static inline uint64_t cy_zigzag_mask(const JCOEF *block) {
  const __m128i zero = _mm_setzero_si128();
  uint64_t natural = 0, mask = 0;
  int i, b;
  for (i = 0; i < 64; i += 16) {
    __m128i a = _mm_cmpeq_epi16(_mm_loadu_si128((const __m128i *)(block + i)), zero);
    __m128i c = _mm_cmpeq_epi16(_mm_loadu_si128((const __m128i *)(block + i + 8)), zero);
    unsigned zeros = (unsigned)_mm_movemask_epi8(_mm_packs_epi16(a, c));
    natural |= (uint64_t)(~zeros & 0xFFFF) << i;
  }
  for (b = 0; b < 8; b++) mask |= cy_spread[b][(natural >> (8 * b)) & 0xFF];
  return mask & ~(uint64_t)1;
}
#else
static inline uint64_t cy_zigzag_mask(const JCOEF *block) {
  uint64_t mask = 0;
  int k;
  for (k = 1; k < DCTSIZE2; k++) mask |= (uint64_t)(block[cy_natural[k]] != 0) << k;
  return mask;
}
#endif

/* htest_one_block's counts for one block. */
static void cy_count_block(j_compress_ptr cinfo, const JCOEF *block, int last_dc, long *dc,
                           long *ac) {
  int max_coef_bits = cinfo->data_precision + 2;
  int nbits = cy_nbits(block[0] - last_dc);
  uint64_t mask;
  int prev = 0;
  /* A DC difference may take one bit more than a coefficient. */
  if (nbits > max_coef_bits + 1) ERREXIT(cinfo, JERR_BAD_DCT_COEF);
  dc[nbits]++;
  mask = cy_zigzag_mask(block);
  while (mask) {
    int at = __builtin_ctzll(mask);
    int run = at - prev - 1;
    /* Runs of 16 zeros and more are ZRL codes first. */
    ac[0xF0] += run >> 4;
    run &= 15;
    nbits = cy_nbits(block[cy_natural[at]]);
    if (nbits > max_coef_bits) ERREXIT(cinfo, JERR_BAD_DCT_COEF);
    ac[(run << 4) + nbits]++;
    prev = at;
    mask &= mask - 1;
  }
  /* Zeros after the last coefficient: an end-of-block code. */
  if (prev < DCTSIZE2 - 1) ac[0]++;
}

static boolean cy_gather_mcu(j_compress_ptr cinfo, JBLOCKROW *MCU_data) {
  struct cy_gather *g = (struct cy_gather *)cinfo->client_data;
  int blkn;
  for (blkn = 0; blkn < cinfo->blocks_in_MCU; blkn++) {
    int ci = cinfo->MCU_membership[blkn];
    jpeg_component_info *comp = cinfo->cur_comp_info[ci];
    const JCOEF *block = MCU_data[blkn][0];
    cy_count_block(cinfo, block, g->last_dc[ci], g->dc[comp->dc_tbl_no], g->ac[comp->ac_tbl_no]);
    g->last_dc[ci] = block[0];
  }
  return TRUE;
}

/* finish_pass_gather with our counts: each table in use built once. */
static void cy_gather_finish(j_compress_ptr cinfo) {
  struct cy_gather *g = (struct cy_gather *)cinfo->client_data;
  boolean did_dc[NUM_HUFF_TBLS] = {0}, did_ac[NUM_HUFF_TBLS] = {0};
  int ci;
  for (ci = 0; ci < cinfo->comps_in_scan; ci++) {
    jpeg_component_info *comp = cinfo->cur_comp_info[ci];
    int dct = comp->dc_tbl_no, act = comp->ac_tbl_no;
    if (!did_dc[dct]) {
      if (!cinfo->dc_huff_tbl_ptrs[dct])
        cinfo->dc_huff_tbl_ptrs[dct] = jpeg_alloc_huff_table((j_common_ptr)cinfo);
      jpeg_gen_optimal_table(cinfo, cinfo->dc_huff_tbl_ptrs[dct], g->dc[dct]);
      did_dc[dct] = TRUE;
    }
    if (!did_ac[act]) {
      if (!cinfo->ac_huff_tbl_ptrs[act])
        cinfo->ac_huff_tbl_ptrs[act] = jpeg_alloc_huff_table((j_common_ptr)cinfo);
      jpeg_gen_optimal_table(cinfo, cinfo->ac_huff_tbl_ptrs[act], g->ac[act]);
      did_ac[act] = TRUE;
    }
  }
}

/* How many encodes took our statistics pass: the tests check that they test it. */
static atomic_ulong cy_fast_gathers_taken;
unsigned long cy_fast_gathers(void) { return atomic_load(&cy_fast_gathers_taken); }

/* Call right after jpeg_start_compress; `g` must live until jpeg_finish_compress returns. Leaves
 * libjpeg's own pass in place for anything but one baseline Huffman scan of 8-bit samples with
 * no restart intervals. */
static void cy_fast_gather(j_compress_ptr cinfo, struct cy_gather *g) {
  struct cy_entropy *e = (struct cy_entropy *)cinfo->entropy;
  if (!cinfo->optimize_coding || cinfo->progressive_mode || cinfo->arith_code ||
      cinfo->restart_interval || cinfo->data_precision != 8 || cinfo->scan_info ||
      cinfo->comps_in_scan != cinfo->num_components)
    return;
  memset(g, 0, sizeof *g);
  cinfo->client_data = g;
  e->encode_mcu = cy_gather_mcu;
  e->finish_pass = cy_gather_finish;
  atomic_fetch_add(&cy_fast_gathers_taken, 1);
}

/* Encodes 8-bit RGB rows (stride bytes apart) as a 4:2:0 JPEG with optimised Huffman tables and the
 * given luminance and chrominance tables (natural order, values 1..255), or NULL for libjpeg's at
 * `quality`. On success returns 0 and hands over a malloc'd buffer in *out (free it with
 * cy_jpeg_free); on any libjpeg error returns -1 and leaves nothing allocated. */
int cy_jpeg_encode_rgb(const unsigned char *rgb, unsigned int width, unsigned int height,
                       size_t stride, const unsigned int *luma, const unsigned int *chroma,
                       int quality, int progressive, int libjpeg_gather, unsigned char **out,
                       unsigned long *out_len) {
  struct jpeg_compress_struct cinfo;
  struct cy_error err;
  struct cy_gather gather;
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
  cy_settings(&cinfo, luma, chroma, quality, progressive);
  jpeg_start_compress(&cinfo, TRUE);
  if (!libjpeg_gather) cy_fast_gather(&cinfo, &gather);
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
                          int libjpeg_gather, unsigned char **out, unsigned long *out_len) {
  struct jpeg_compress_struct cinfo;
  struct cy_error err;
  struct cy_gather gather;
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
  if (!libjpeg_gather) cy_fast_gather(&cinfo, &gather);
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
