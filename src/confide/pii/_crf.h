/* Shared declarations of confide.pii._crf's C files. */
#ifndef CONFIDE_CRF_H
#define CONFIDE_CRF_H
#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* Raised with every change to what the module computes or takes: confide.pii.ner uses the C
 * path only when the built module says the version its Python side was written for (an
 * editable install keeps an old build until it is reinstalled). */
#define CRF_VERSION 8

/* _crf_decode.c: whether a buffer holds native float64 values (format "d", "@d", "=d", and
 * "<d" on a little-endian machine). */
int is_float64(const Py_buffer *view);

/* _crf_decode.c: decode(scores, transitions, prior, outside) -> (path, probs) */
PyObject *crf_decode(PyObject *self, PyObject *const *args, Py_ssize_t nargs);

/* _crf_decode.c: the same of a C array of scores (n x k), the path as label indices, or as
 * `names` (a tuple of k names) when not NULL. */
PyObject *decode_scores(const double *scores, Py_ssize_t n, Py_ssize_t k, PyObject *transitions,
                        PyObject *prior, PyObject *outside, PyObject *names);

/* _crf_tokenize.c: tokenize(token_type, text) -> [token_type((word, start, end)), ...] */
PyObject *crf_tokenize(PyObject *self, PyObject *const *args, Py_ssize_t nargs);

/* _crf_tokenize.c: digit_stats(stats_type, text) -> stats_type((digits, longest run)) */
PyObject *crf_digit_stats(PyObject *self, PyObject *const *args, Py_ssize_t nargs);

/* _crf_spans.c: spans(tokens, labels, text, label_info, flat, lowered, particles, surnames)
 * -> ([(first, last, entity), ...], [capitalised "O" token, ...]) (CrfRecognizer._spans) */
PyObject *crf_spans(PyObject *self, PyObject *const *args, Py_ssize_t nargs);

#endif
