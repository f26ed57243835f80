/* confide.pii._crf.spans: the tagger's spans from its labels, as CrfRecognizer._merged_spans
 * finds them in Python (the reference; tests compare the two on every text they read and on
 * random labels).
 *
 * spans(tokens, labels, text, label_info, flat, lowered, particles, surnames, plain)
 *   tokens      list of (word, start, end) tuples, as tokenize gives them
 *   labels      list of label str, one per token
 *   label_info  dict label -> (inside, entity, role); a label not in it is "O". inside: 1 for
 *               "I-", 0 for "B-"; role: ROLE_PERSON, ROLE_ADDRESS or 0 (what joins two
 *               spans of the entity, and which rules below apply to it)
 *   flat        whether the text is all in one case (no case rule applies)
 *   lowered     list of the tokens' words lower-cased
 *   particles   set of lower-case words that belong inside names ("de", "van")
 *   surnames    container of lower-case words a half lower-case name may end with (or an all
 *               lower-case name be made of), or None
 *   plain       set of lower-case words no all lower-case name is made of alone (ordinary
 *               words), or None
 * -> (spans, capitalised): the spans as (first, last, entity) (last exclusive), and the
 *    indices of the tokens labelled "O" whose first character is a capital (the candidates
 *    of CrfRecognizer._name_shaped).
 *
 * The steps, each as its Python function does it: the BIO spans (_bio_spans); same-entity
 * neighbours joined across blanks (a person's) or blanks, a comma and a line break (an
 * address's: ner._JOINERS); punctuation trimmed from the edges (_trim); a person's name split
 * at commas and line breaks (_name_pieces); and in normally cased text the capitalised
 * pieces of a span kept (_cased_pieces). No error message quotes the text. */
#include "_crf.h"

enum { ROLE_OTHER = 0, ROLE_PERSON = 1, ROLE_ADDRESS = 2 };

typedef struct {
    Py_ssize_t first, last;
    int role;
    PyObject *entity; /* borrowed from label_info */
} Span;

typedef struct {
    PyObject *tokens, *lowered, *particles, *surnames, *plain, *out;
    const Span *span; /* the span being cut into pieces */
} Context;

static inline PyObject *word_of(PyObject *tokens, Py_ssize_t i) {
    return PyTuple_GET_ITEM(PyList_GET_ITEM(tokens, i), 0);
}

static inline Py_UCS4 first_char(PyObject *word) { return PyUnicode_READ_CHAR(word, 0); }

static inline Py_UCS4 last_char(PyObject *word) {
    return PyUnicode_READ_CHAR(word, PyUnicode_GET_LENGTH(word) - 1);
}

static Py_ssize_t bound(PyObject *tokens, Py_ssize_t i, int which) {
    return PyLong_AsSsize_t(PyTuple_GET_ITEM(PyList_GET_ITEM(tokens, i), which));
}

/* _JOINERS[entity].fullmatch(text, from, to): a person's "[ \t]*", an address's
 * "[ \t]*,?[ \t]*(?:\n[ \t]*)?" (each class is disjoint from what follows it, so reading
 * greedily is the match). */
static int joins(int role, int kind, const void *data, Py_ssize_t from, Py_ssize_t to) {
    Py_ssize_t i = from;
#define BLANKS                                                                          \
    while (i < to && (PyUnicode_READ(kind, data, i) == ' ' || PyUnicode_READ(kind, data, i) == '\t')) i++
    BLANKS;
    if (role == ROLE_ADDRESS) {
        if (i < to && PyUnicode_READ(kind, data, i) == ',') i++;
        BLANKS;
        if (i < to && PyUnicode_READ(kind, data, i) == '\n') {
            i++;
            BLANKS;
        }
    }
#undef BLANKS
    return i == to;
}

/* _trim: edge tokens that do not start (at the front) or end (at the back, unless ".") with
 * a letter or digit are dropped. */
static void trim(PyObject *tokens, Py_ssize_t *first, Py_ssize_t *last) {
    while (*first < *last && !Py_UNICODE_ISALNUM(first_char(word_of(tokens, *first)))) (*first)++;
    while (*last > *first) {
        PyObject *word = word_of(tokens, *last - 1);
        if (Py_UNICODE_ISALNUM(last_char(word)) || PyUnicode_CompareWithASCIIString(word, ".") == 0) break;
        (*last)--;
    }
}

static int emit(Context *c, Py_ssize_t first, Py_ssize_t last) {
    PyObject *item = Py_BuildValue("(nnO)", first, last, c->span->entity);
    if (item == NULL) return -1;
    int failed = PyList_Append(c->out, item);
    Py_DECREF(item);
    return failed;
}

static int any_capitalised(PyObject *tokens, Py_ssize_t first, Py_ssize_t last) {
    for (Py_ssize_t j = first; j < last; j++)
        if (Py_UNICODE_ISUPPER(first_char(word_of(tokens, j)))) return 1;
    return 0;
}

/* _cased_pieces of tokens first..last: 0, or -1 with an error set. */
static int cased_pieces(Context *c, Py_ssize_t first, Py_ssize_t last) {
    PyObject *tokens = c->tokens;
    if (c->span->role == ROLE_ADDRESS) return emit(c, first, last);
    int any_lower = 0;
    for (Py_ssize_t j = first; j < last && !any_lower; j++)
        any_lower = Py_UNICODE_ISLOWER(first_char(word_of(tokens, j)));
    if (!any_lower) return any_capitalised(tokens, first, last) ? emit(c, first, last) : 0;
    /* A name written all in lower case stays whole where every word is one of `surnames`
     * or one of its words is not `plain`. */
    if (c->span->role == ROLE_PERSON) {
        int all_lower = 1, listed = c->surnames != Py_None, unplain = 0;
        for (Py_ssize_t j = first; j < last && all_lower; j++) {
            all_lower = Py_UNICODE_ISLOWER(first_char(word_of(tokens, j)));
            if (!all_lower) break;
            PyObject *low = PyList_GET_ITEM(c->lowered, j);
            if (listed) listed = PySequence_Contains(c->surnames, low);
            if (listed < 0) return -1;
            if (!unplain && c->plain != Py_None) {
                int found = PySet_Contains(c->plain, low);
                if (found < 0) return -1;
                unplain = !found;
            }
        }
        if (all_lower && (listed || unplain)) return emit(c, first, last);
    }
    Py_ssize_t n = last - first;
    char small[64];
    char *inside = n <= 64 ? small : PyMem_Malloc((size_t)n);
    if (inside == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    int all_inside = 1, result = -1;
    for (Py_ssize_t k = 0; k < n; k++) {
        PyObject *word = word_of(tokens, first + k);
        int within = !Py_UNICODE_ISLOWER(first_char(word));
        if (!within) {
            within = PySet_Contains(c->particles, PyList_GET_ITEM(c->lowered, first + k));
            if (within < 0) goto done;
        }
        /* A half lower-case name keeps a lower-case surname right after a capitalised word. */
        if (!within && c->span->role == ROLE_PERSON && c->surnames != Py_None && k > 0 &&
            Py_UNICODE_ISUPPER(first_char(word_of(tokens, first + k - 1)))) {
            within = PySequence_Contains(c->surnames, PyList_GET_ITEM(c->lowered, first + k));
            if (within < 0) goto done;
        }
        inside[k] = (char)within;
        all_inside &= within;
    }
    if (all_inside) {
        result = any_capitalised(tokens, first, last) ? emit(c, first, last) : 0;
        goto done;
    }
    Py_ssize_t start = -1;
    for (Py_ssize_t k = 0; k <= n; k++) {
        int within = k < n && inside[k];
        if (within && start < 0) {
            start = first + k;
        } else if (!within && start >= 0) {
            Py_ssize_t a = start, b = first + k;
            if (any_capitalised(tokens, a, b)) {
                trim(tokens, &a, &b);
                if (a < b && emit(c, a, b) < 0) goto done;
            }
            start = -1;
        }
    }
    result = 0;
done:
    if (inside != small) PyMem_Free(inside);
    return result;
}

static int piece(Context *c, int flat, Py_ssize_t first, Py_ssize_t last) {
    return flat ? emit(c, first, last) : cased_pieces(c, first, last);
}

/* _name_pieces of `span`, each through _cased_pieces unless the text is flat. */
static int name_pieces(Context *c, int kind, const void *data, int flat) {
    const Span *s = c->span;
    if (s->role != ROLE_PERSON || s->last - s->first < 2) return piece(c, flat, s->first, s->last);
    Py_ssize_t start = s->first;
    for (Py_ssize_t k = s->first + 1; k <= s->last; k++) {
        int comma = 0;
        if (k < s->last) {
            comma = PyUnicode_CompareWithASCIIString(word_of(c->tokens, k), ",") == 0;
            Py_ssize_t from = bound(c->tokens, k - 1, 2), to = bound(c->tokens, k, 1);
            if (PyErr_Occurred()) return -1;
            int broken = 0;
            for (Py_ssize_t i = from; i < to && !broken; i++) {
                Py_UCS4 ch = PyUnicode_READ(kind, data, i);
                broken = ch == '\n' || ch == '\r';
            }
            if (!comma && !broken) continue;
        }
        if (start < k && piece(c, flat, start, k) < 0) return -1;
        start = comma ? k + 1 : k;
    }
    return 0;
}

static int check_tokens(PyObject *tokens, Py_ssize_t n, Py_ssize_t text_length) {
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *t = PyList_GET_ITEM(tokens, i);
        if (!PyTuple_Check(t) || PyTuple_GET_SIZE(t) < 3 || !PyUnicode_Check(PyTuple_GET_ITEM(t, 0)) ||
            PyUnicode_GET_LENGTH(PyTuple_GET_ITEM(t, 0)) == 0) {
            PyErr_SetString(PyExc_TypeError, "tokens must be (word, start, end) tuples of non-empty words");
            return -1;
        }
        Py_ssize_t start = bound(tokens, i, 1), end = bound(tokens, i, 2);
        if (PyErr_Occurred()) return -1;
        if (start < 0 || end < start || end > text_length) {
            PyErr_SetString(PyExc_ValueError, "a token's bounds lie outside the text");
            return -1;
        }
    }
    return 0;
}

PyObject *crf_spans(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    (void)self;
    if (nargs != 9) return PyErr_Format(PyExc_TypeError, "spans takes 9 arguments (%zd given)", nargs);
    PyObject *tokens = args[0], *labels = args[1], *text = args[2], *info = args[3];
    PyObject *lowered = args[5], *particles = args[6], *surnames = args[7], *plain = args[8];
    if (!PyList_Check(tokens) || !PyList_Check(labels) || !PyUnicode_Check(text) || !PyDict_Check(info) ||
        !PyList_Check(lowered) || !PyAnySet_Check(particles) || (plain != Py_None && !PyAnySet_Check(plain)))
        return PyErr_Format(PyExc_TypeError, "spans takes lists of tokens and labels, a str, a dict, "
                                             "a flag, a list of words, a set, a container and a set or None");
    Py_ssize_t n = PyList_GET_SIZE(tokens);
    if (PyList_GET_SIZE(labels) != n || PyList_GET_SIZE(lowered) != n)
        return PyErr_Format(PyExc_ValueError, "spans needs one label and one lower-cased word per token");
    int flat = PyObject_IsTrue(args[4]);
    if (flat < 0) return NULL;
    if (check_tokens(tokens, n, PyUnicode_GET_LENGTH(text)) < 0) return NULL;
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Span *spans = PyMem_Malloc(sizeof(Span) * (size_t)(n + 1));
    if (spans == NULL) return PyErr_NoMemory();
    Py_ssize_t count = 0;
    PyObject *out = NULL, *capitalised = PyList_New(0), *result = NULL;
    if (capitalised == NULL) goto done;
    /* The BIO spans, each joined to the one before where the entity's joiner says. */
    Py_ssize_t previous = -1; /* the last token of the open span */
    for (Py_ssize_t k = 0; k < n; k++) {
        PyObject *found = PyDict_GetItemWithError(info, PyList_GET_ITEM(labels, k));
        if (found == NULL) { /* "O" */
            if (PyErr_Occurred()) goto done;
            if (Py_UNICODE_ISUPPER(first_char(word_of(tokens, k)))) {
                PyObject *index = PyLong_FromSsize_t(k);
                int failed = index == NULL || PyList_Append(capitalised, index) < 0;
                Py_XDECREF(index);
                if (failed) goto done;
            }
            continue;
        }
        if (!PyTuple_Check(found) || PyTuple_GET_SIZE(found) != 3 || !PyUnicode_Check(PyTuple_GET_ITEM(found, 1))) {
            PyErr_SetString(PyExc_TypeError, "label_info values must be (inside, entity, role) tuples");
            goto done;
        }
        long inside = PyLong_AsLong(PyTuple_GET_ITEM(found, 0));
        long role = PyLong_AsLong(PyTuple_GET_ITEM(found, 2));
        if (PyErr_Occurred()) goto done;
        PyObject *entity = PyTuple_GET_ITEM(found, 1);
        int same = -1;
        if (count > 0) {
            same = spans[count - 1].entity == entity || PyUnicode_Compare(spans[count - 1].entity, entity) == 0;
            if (PyErr_Occurred()) goto done;
        }
        if (same == 1 && inside && previous == k - 1 && previous == spans[count - 1].last - 1) {
            spans[count - 1].last = k + 1; /* an I- continuing the open span */
            previous = k;
            continue;
        }
        if (same == 1 && (role == ROLE_PERSON || role == ROLE_ADDRESS)) {
            Py_ssize_t from = bound(tokens, spans[count - 1].last - 1, 2), to = bound(tokens, k, 1);
            if (from <= to && joins((int)role, kind, data, from, to)) {
                spans[count - 1].last = k + 1;
                previous = k;
                continue;
            }
        }
        spans[count++] = (Span){k, k + 1, (int)role, entity};
        previous = k;
    }
    if ((out = PyList_New(0)) == NULL) goto done;
    Context c = {tokens, lowered, particles, surnames, plain, out, NULL};
    for (Py_ssize_t s = 0; s < count; s++) {
        Span trimmed = spans[s];
        trim(tokens, &trimmed.first, &trimmed.last);
        if (trimmed.first >= trimmed.last) continue;
        c.span = &trimmed;
        if (name_pieces(&c, kind, data, flat) < 0) goto done;
    }
    result = PyTuple_Pack(2, out, capitalised);
done:
    Py_XDECREF(out);
    Py_XDECREF(capitalised);
    PyMem_Free(spans);
    return result;
}
