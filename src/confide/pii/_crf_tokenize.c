/* confide.pii._crf.tokenize: ner.tokenize's tokens, found without the regular expression.
 *
 * The same tokens as ner._TOKEN_RE, read with the re module's own Unicode classes: a word
 * character is alphanumeric or "_" (Py_UNICODE_ISALNUM), white space is Py_UNICODE_ISSPACE.
 * The pattern's three branches, tried in its order at each character that is not white
 * space:
 *   1. an apostrophe (' or U+2019) and "s" ending a word: "'s";
 *   2. a run of word characters, then any number of joins: an apostrophe or "-" or "."
 *      followed by more word characters (an apostrophe not by a word-ending "s");
 *   3. any other character alone. */
#include "_crf.h"

static inline int is_word(Py_UCS4 ch) { return Py_UNICODE_ISALNUM(ch) || ch == '_'; }
static inline int is_quote(Py_UCS4 ch) { return ch == '\'' || ch == 0x2019; }

/* Whether the "s" at ``at`` ends a word: the pattern's "s\b". */
static inline int word_ending_s(int kind, const void *data, Py_ssize_t n, Py_ssize_t at) {
    return at < n && PyUnicode_READ(kind, data, at) == 's' &&
           (at + 1 >= n || !is_word(PyUnicode_READ(kind, data, at + 1)));
}

static Py_ssize_t word_end(int kind, const void *data, Py_ssize_t n, Py_ssize_t at) {
    while (at < n && is_word(PyUnicode_READ(kind, data, at))) at++;
    return at;
}

/* The arguments (tuple_type, text) of tokenize and digit_stats, or an error set. */
static int type_and_text(const char *name, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 2) {
        PyErr_Format(PyExc_TypeError, "%s takes 2 arguments (%zd given)", name, nargs);
        return -1;
    }
    if (!PyType_Check(args[0]) || !PyType_IsSubtype((PyTypeObject *)args[0], &PyTuple_Type)) {
        PyErr_Format(PyExc_TypeError, "%s needs a tuple type for its result", name);
        return -1;
    }
    if (!PyUnicode_Check(args[1])) {
        PyErr_Format(PyExc_TypeError, "%s takes a str", name);
        return -1;
    }
    return 0;
}

/* A new instance of `type` (a tuple subclass) with `n` items still to set. */
static PyObject *new_tuple(PyTypeObject *type, Py_ssize_t n) {
    PyObject *tuple = type->tp_alloc(type, n);
#if PY_VERSION_HEX >= 0x030E0000
    /* Python 3.14 keeps a tuple's hash in the tuple, -1 until computed; tp_alloc zeroes it. */
    if (tuple != NULL) ((PyTupleObject *)tuple)->ob_hash = -1;
#endif
    return tuple;
}

PyObject *crf_tokenize(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    (void)self;
    if (type_and_text("tokenize", args, nargs) < 0) return NULL;
    PyTypeObject *type = (PyTypeObject *)args[0];
    PyObject *text = args[1];
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    PyObject *tokens = PyList_New(0);
    if (tokens == NULL) return NULL;
    Py_ssize_t at = 0;
    while (at < n) {
        Py_UCS4 ch = PyUnicode_READ(kind, data, at);
        Py_ssize_t end;
        if (is_word(ch)) {
            end = word_end(kind, data, n, at + 1);
            while (end + 1 < n && is_word(PyUnicode_READ(kind, data, end + 1))) {
                Py_UCS4 join = PyUnicode_READ(kind, data, end);
                if (is_quote(join) ? word_ending_s(kind, data, n, end + 1) : join != '-' && join != '.')
                    break;
                end = word_end(kind, data, n, end + 2);
            }
        } else if (Py_UNICODE_ISSPACE(ch)) {
            at++;
            continue;
        } else {
            end = is_quote(ch) && word_ending_s(kind, data, n, at + 1) ? at + 2 : at + 1;
        }
        PyObject *word = PyUnicode_Substring(text, at, end);
        PyObject *start = word ? PyLong_FromSsize_t(at) : NULL;
        PyObject *stop = start ? PyLong_FromSsize_t(end) : NULL;
        PyObject *token = stop ? new_tuple(type, 3) : NULL;
        if (token == NULL) {
            Py_XDECREF(word);
            Py_XDECREF(start);
            Py_XDECREF(stop);
            Py_DECREF(tokens);
            return NULL;
        }
        PyTuple_SET_ITEM(token, 0, word);
        PyTuple_SET_ITEM(token, 1, start);
        PyTuple_SET_ITEM(token, 2, stop);
        int failed = PyList_Append(tokens, token);
        Py_DECREF(token);
        if (failed) {
            Py_DECREF(tokens);
            return NULL;
        }
        at = end;
    }
    return tokens;
}

/* confide.pii._crf.digit_stats: recognizers.DigitStats.of without the regular expression.
 * A digit is what the re module's \d matches in a str, a Unicode decimal digit
 * (Py_UNICODE_ISDECIMAL); in a one-byte string only "0" to "9" are. */
PyObject *crf_digit_stats(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    (void)self;
    if (type_and_text("digit_stats", args, nargs) < 0) return NULL;
    PyTypeObject *type = (PyTypeObject *)args[0];
    PyObject *text = args[1];
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text), digits = 0, run = 0, longest = 0;
    if (kind == PyUnicode_1BYTE_KIND) {
        const Py_UCS1 *chars = data;
        for (Py_ssize_t i = 0; i < n; i++) {
            if ((unsigned)(chars[i] - '0') < 10u) {
                digits++;
                if (++run > longest) longest = run;
            } else {
                run = 0;
            }
        }
    } else {
        for (Py_ssize_t i = 0; i < n; i++) {
            if (Py_UNICODE_ISDECIMAL(PyUnicode_READ(kind, data, i))) {
                digits++;
                if (++run > longest) longest = run;
            } else {
                run = 0;
            }
        }
    }
    PyObject *count = PyLong_FromSsize_t(digits);
    PyObject *most = count ? PyLong_FromSsize_t(longest) : NULL;
    PyObject *stats = most ? new_tuple(type, 2) : NULL;
    if (stats == NULL) {
        Py_XDECREF(count);
        Py_XDECREF(most);
        return NULL;
    }
    PyTuple_SET_ITEM(stats, 0, count);
    PyTuple_SET_ITEM(stats, 1, most);
    return stats;
}
