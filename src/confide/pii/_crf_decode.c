/* The CRF tagger's chain decoder: the Viterbi path and each chosen label's marginal, as
 * confide.pii.ner.ChainDecoder computes them with hmmlearn's routines, without building
 * numpy arrays per call.
 *
 * decode(scores, transitions, prior, outside) -> (path, probs)
 *   scores       C-contiguous float64, (n, k): state scores (log space) per token and label
 *   transitions  C-contiguous float64, (k, k): transition weights (log space), from row to
 *                column label; there are no start or end weights
 *   prior        None, or float64 (k,): added to every row of scores
 *   outside      index of label "O", or -1
 *   path         the likeliest label per token
 *   probs        0.0 where the label is `outside`, else the label's marginal probability
 */
#include "_crf.h"

#include <math.h>
#include <string.h>

/* hmmlearn's forward_scaling gives up below this row sum (its "underflow"). */
#define MIN_ROW_SUM 1e-300

int
is_float64(const Py_buffer *view)
{
    const char *f = view->format;
    if (f == NULL || view->itemsize != (Py_ssize_t)sizeof(double)) {
        return 0;
    }
    if (*f == '@' || *f == '=' || (PY_LITTLE_ENDIAN && *f == '<')) {
        f++;
    }
    return f[0] == 'd' && f[1] == '\0';
}

/* A C-contiguous float64 buffer of `ndim` dimensions in `view`; 0, or -1 with an error set
 * (and nothing to release). */
static int
get_array(PyObject *obj, const char *name, int ndim, Py_buffer *view)
{
    if (!PyObject_CheckBuffer(obj)) {
        PyErr_Format(PyExc_TypeError, "%s must be a float64 array, not %.100s", name,
                     Py_TYPE(obj)->tp_name);
        return -1;
    }
    if (PyObject_GetBuffer(obj, view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) {
        if (!PyErr_ExceptionMatches(PyExc_BufferError) &&
            !PyErr_ExceptionMatches(PyExc_ValueError)) {
            return -1;
        }
        PyErr_Clear();
        PyErr_Format(PyExc_ValueError, "%s must be C-contiguous", name);
        return -1;
    }
    if (!is_float64(view)) {
        PyErr_Format(PyExc_TypeError, "%s must hold float64 values (format 'd', not '%.20s')",
                     name, view->format ? view->format : "B");
    }
    else if (view->ndim != ndim) {
        PyErr_Format(PyExc_ValueError, "%s must have %d dimension%s, not %d", name, ndim,
                     ndim == 1 ? "" : "s", view->ndim);
    }
    else {
        return 0;
    }
    PyBuffer_Release(view);
    return -1;
}

/* The likeliest path through the lattice `delta` (n x k), filled here from the state
 * scores `s`.
 *
 * Ties are broken as hmmlearn 0.3.3's viterbi breaks them, so that both give the same path:
 * the last token takes the lowest of equally scored labels (std::max_element), but each
 * earlier token takes the HIGHEST of equally scored predecessors (a std::max over
 * (score, index) pairs). Every comparison below mirrors hmmlearn's, in the same order, and
 * the lattice is summed in the same order. (hmmlearn is given exp(w) and takes its log, which
 * may differ from w in the last bit: only scores tied to within that can decode apart.) */
static void
viterbi(Py_ssize_t n, Py_ssize_t k, const double *s, const double *w, double *delta,
        Py_ssize_t *path)
{
    memcpy(delta, s, (size_t)k * sizeof(double)); /* a uniform start adds log(1) = 0 */
    for (Py_ssize_t t = 1; t < n; t++) {
        const double *prev = delta + (t - 1) * k;
        double *cur = delta + t * k;
        /* Each label's best predecessor in a register (the maximum is exact whatever the
         * order it is taken in, so the lattice is hmmlearn's). */
        for (Py_ssize_t i = 0; i < k; i++) {
            double best = -HUGE_VAL;
            for (Py_ssize_t j = 0; j < k; j++) {
                const double v = prev[j] + w[j * k + i];
                /* std::max(best, v), without a branch to mispredict (maxsd) */
                best = best < v ? v : best;
            }
            cur[i] = best + s[t * k + i];
        }
    }
    const double *last = delta + (n - 1) * k;
    Py_ssize_t best = 0;
    for (Py_ssize_t i = 1; i < k; i++) {
        if (last[best] < last[i]) {
            best = i;
        }
    }
    path[n - 1] = best;
    for (Py_ssize_t t = n - 2; t >= 0; t--) {
        const double *row = delta + t * k;
        double max = -HUGE_VAL;
        Py_ssize_t arg = 0;
        for (Py_ssize_t i = 0; i < k; i++) {
            const double v = row[i] + w[i * k + best];
            if (max < v || (!(v < max) && arg < i)) {
                max = v;
                arg = i;
            }
        }
        path[t] = best = arg;
    }
}

/* Scales `row` (k values) to sum to 1 and returns the factor, or -1.0 if the sum is too
 * small (or not a number) to scale. */
static double
normalise(double *row, Py_ssize_t k)
{
    double sum = 0.0;
    for (Py_ssize_t j = 0; j < k; j++) {
        sum += row[j];
    }
    if (!(sum >= MIN_ROW_SUM) || isinf(sum)) {
        return -1.0;
    }
    const double scale = 1.0 / sum;
    for (Py_ssize_t j = 0; j < k; j++) {
        row[j] *= scale;
    }
    return scale;
}

/* Forward pass over `frame` (exp of the state scores, each row shifted by its maximum);
 * `fwd` (n x k) gets the rows scaled to sum to 1, `scale` their factors. 0, or -1 if a row
 * underflows. */
static int
forward(Py_ssize_t n, Py_ssize_t k, const double *frame, const double *et, double *fwd,
        double *scale)
{
    memcpy(fwd, frame, (size_t)k * sizeof(double));
    if ((scale[0] = normalise(fwd, k)) < 0.0) {
        return -1;
    }
    for (Py_ssize_t t = 1; t < n; t++) {
        const double *prev = fwd + (t - 1) * k, *f = frame + t * k;
        double *cur = fwd + t * k;
        memset(cur, 0, (size_t)k * sizeof(double));
        for (Py_ssize_t i = 0; i < k; i++) {
            const double p = prev[i], *row = et + i * k;
            for (Py_ssize_t j = 0; j < k; j++) {
                cur[j] += p * row[j];
            }
        }
        for (Py_ssize_t j = 0; j < k; j++) {
            cur[j] *= f[j];
        }
        if ((scale[t] = normalise(cur, k)) < 0.0) {
            return -1;
        }
    }
    return 0;
}

/* Marginal of each path label (0.0 for `outside`) into `probs`, by scaled forward-backward
 * over exp(s) and exp(w). `s` (n x k) is overwritten; work arrays: `fwd` n x k, `et` k x k,
 * `scale` n, `bwd` 2k. 0, or -1 with ValueError set. */
static int
marginals(Py_ssize_t n, Py_ssize_t k, double *s, const double *w, const Py_ssize_t *path,
          Py_ssize_t outside, double *fwd, double *et, double *scale, double *bwd,
          double *probs)
{
    /* Shifting a row by its maximum changes no marginal, and nothing overflows. */
    for (Py_ssize_t t = 0; t < n; t++) {
        double *row = s + t * k, max = row[0];
        for (Py_ssize_t j = 1; j < k; j++) {
            if (max < row[j]) {
                max = row[j];
            }
        }
        for (Py_ssize_t j = 0; j < k; j++) {
            row[j] = exp(row[j] - max);
        }
    }
    /* As every path has n - 1 transitions, shifting them all by one constant changes no
     * marginal either. */
    double top = w[0];
    for (Py_ssize_t i = 1; i < k * k; i++) {
        if (top < w[i]) {
            top = w[i];
        }
    }
    for (Py_ssize_t i = 0; i < k * k; i++) {
        et[i] = exp(w[i] - top);
    }
    if (forward(n, k, s, et, fwd, scale) < 0) {
        PyErr_SetString(PyExc_ValueError, "forward pass underflowed: scores or transitions "
                                          "rule out every label sequence");
        return -1;
    }
    /* bwd: the backward row of token t; next: frame x backward of token t + 1. */
    double *next = bwd + k;
    for (Py_ssize_t i = 0; i < k; i++) {
        bwd[i] = scale[n - 1];
    }
    for (Py_ssize_t t = n - 1;; t--) {
        const double *f = fwd + t * k;
        if (path[t] == outside) {
            probs[t] = 0.0;
        }
        else {
            double total = 0.0;
            for (Py_ssize_t j = 0; j < k; j++) {
                total += f[j] * bwd[j];
            }
            probs[t] = f[path[t]] * bwd[path[t]] / total;
        }
        if (t == 0) {
            return 0;
        }
        const double *frame = s + t * k;
        for (Py_ssize_t j = 0; j < k; j++) {
            next[j] = frame[j] * bwd[j];
        }
        for (Py_ssize_t i = 0; i < k; i++) {
            const double *row = et + i * k;
            double sum = 0.0;
            for (Py_ssize_t j = 0; j < k; j++) {
                sum += row[j] * next[j];
            }
            bwd[i] = sum * scale[t - 1];
        }
    }
}

/* (path, probs) as lists; the path as label indices, or as `names` (a tuple of k) if given. */
static PyObject *
build_result(Py_ssize_t n, const Py_ssize_t *path, const double *probs, PyObject *names)
{
    PyObject *labels = PyList_New(n), *marginal = PyList_New(n);
    if (labels == NULL || marginal == NULL) {
        goto error;
    }
    for (Py_ssize_t t = 0; t < n; t++) {
        PyObject *label = NULL;
        if (names != NULL) {
            label = PyTuple_GET_ITEM(names, path[t]);
            Py_INCREF(label);
        }
        else if ((label = PyLong_FromSsize_t(path[t])) == NULL) {
            goto error;
        }
        PyList_SET_ITEM(labels, t, label);
        PyObject *p = PyFloat_FromDouble(probs[t]);
        if (p == NULL) {
            goto error;
        }
        PyList_SET_ITEM(marginal, t, p);
    }
    PyObject *result = PyTuple_Pack(2, labels, marginal);
    Py_DECREF(labels);
    Py_DECREF(marginal);
    return result;
error:
    Py_XDECREF(labels);
    Py_XDECREF(marginal);
    return NULL;
}

/* Decodes checked arrays: scores (n x k, n > 0), prior (k, or NULL), w (k x k). */
static PyObject *
decode_arrays(Py_ssize_t n, Py_ssize_t k, const double *scores, const double *prior,
              const double *w, Py_ssize_t outside, PyObject *names)
{
    /* The buffers exist, so n * k and k * k doubles fit in memory; this keeps the work
     * block's size from overflowing. */
    if (n * k > PY_SSIZE_T_MAX / 64 || k * k > PY_SSIZE_T_MAX / 64) {
        return PyErr_NoMemory();
    }
    const size_t doubles = (size_t)(2 * n * k + k * k + 2 * k + 2 * n);
    char *block = PyMem_Malloc(doubles * sizeof(double) + (size_t)n * sizeof(Py_ssize_t));
    if (block == NULL) {
        return PyErr_NoMemory();
    }
    double *s = (double *)block, *lattice = s + n * k, *et = lattice + n * k;
    double *bwd = et + k * k, *scale = bwd + 2 * k, *probs = scale + n;
    Py_ssize_t *path = (Py_ssize_t *)(probs + n);
    for (Py_ssize_t t = 0; t < n; t++) {
        for (Py_ssize_t j = 0; j < k; j++) {
            s[t * k + j] = prior ? scores[t * k + j] + prior[j] : scores[t * k + j];
        }
    }
    viterbi(n, k, s, w, lattice, path);
    Py_ssize_t outside_count = 0;
    for (Py_ssize_t t = 0; t < n; t++) {
        outside_count += path[t] == outside;
    }
    PyObject *result = NULL;
    if (outside_count == n) { /* the marginals are read only for entity labels */
        memset(probs, 0, (size_t)n * sizeof(double));
        result = build_result(n, path, probs, names);
    }
    else if (marginals(n, k, s, w, path, outside, lattice, et, scale, bwd, probs) == 0) {
        result = build_result(n, path, probs, names);
    }
    PyMem_Free(block);
    return result;
}

/* Decodes `scores` (n x k, n > 0) with the model's arrays, checked here; the path as label
 * indices, or as `names` (a tuple of k names, checked by the caller) when not NULL. */
PyObject *
decode_scores(const double *scores, Py_ssize_t n, Py_ssize_t k, PyObject *transitions_obj,
              PyObject *prior_obj, PyObject *outside_obj, PyObject *names)
{
    if (!PyLong_Check(outside_obj)) {
        PyErr_Format(PyExc_TypeError, "outside must be an int, not %.100s",
                     Py_TYPE(outside_obj)->tp_name);
        return NULL;
    }
    const Py_ssize_t outside = PyLong_AsSsize_t(outside_obj);
    if (outside == -1 && PyErr_Occurred()) {
        return NULL;
    }
    Py_buffer transitions = {0}, prior = {0};
    const int has_prior = prior_obj != Py_None;
    PyObject *result = NULL;
    if (get_array(transitions_obj, "transitions", 2, &transitions) < 0 ||
        (has_prior && get_array(prior_obj, "prior", 1, &prior) < 0)) {
        goto done;
    }
    if (k == 0) {
        PyErr_SetString(PyExc_ValueError, "scores must have at least one label (k > 0)");
    }
    else if (transitions.shape[0] != k || transitions.shape[1] != k) {
        PyErr_Format(PyExc_ValueError, "transitions must have shape (%zd, %zd), not (%zd, %zd)",
                     k, k, transitions.shape[0], transitions.shape[1]);
    }
    else if (has_prior && prior.shape[0] != k) {
        PyErr_Format(PyExc_ValueError, "prior must have shape (%zd,), not (%zd,)", k,
                     prior.shape[0]);
    }
    else if (outside < -1 || outside >= k) {
        PyErr_Format(PyExc_ValueError, "outside must be -1 or a label index below %zd, not %zd",
                     k, outside);
    }
    else if (n == 0) {
        result = Py_BuildValue("([],[])");
    }
    else {
        result = decode_arrays(n, k, scores, has_prior ? prior.buf : NULL, transitions.buf,
                               outside, names);
    }
done:
    PyBuffer_Release(&transitions);
    PyBuffer_Release(&prior);
    return result;
}

PyObject *
crf_decode(PyObject *Py_UNUSED(self), PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 4) {
        PyErr_Format(PyExc_TypeError,
                     "decode() takes 4 arguments (scores, transitions, prior, outside), "
                     "%zd given",
                     nargs);
        return NULL;
    }
    Py_buffer scores = {0};
    if (get_array(args[0], "scores", 2, &scores) < 0) {
        return NULL;
    }
    PyObject *result = decode_scores(scores.buf, scores.shape[0], scores.shape[1], args[1],
                                     args[2], args[3], NULL);
    PyBuffer_Release(&scores);
    return result;
}
