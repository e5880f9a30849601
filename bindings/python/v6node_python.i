/* The raw Python module `v6nraw`: the one shared interface (bindings/v6node.i,
 * found beside v6node.h: -I bindings/ in this tree, pkg-config's include
 * folder for an installed libv6node) plus what only Python needs. Nothing here
 * is API: the package `v6node` (v6node/*.py) is.
 *
 * Built with -threads: the GIL is released around every C call, so a blocking
 * call (an engine request, a wait in op_next) never stops other Python
 * threads, and Ctrl-C is seen between two short polls. */
%module v6nraw

/* Log output may hold any byte (NULs, split UTF-8 sequences): give it to
 * Python as bytes of op_item_len() bytes, never as a C string. Out typemaps
 * run with the GIL held. */
%typemap(out) const char *v6n_op_item_data {
    $result = PyBytes_FromStringAndSize($1 ? $1 : "", $1 ? (Py_ssize_t)v6n_op_item_len(arg1) : 0);
}

%include <v6node.i>

%inline %{
/* The node's spec as it is now (over its start record, when it has one): for
 * the release line and image rule a start settled on, which the spec's JSON
 * does not carry. NULL on failure (the error: v6n_error_last()). */
v6n_node_spec *v6npy_node_spec(v6n_node *node)
{
    v6n_node_spec *spec = NULL;
    return v6n_node_spec_get(&spec, node) == V6N_OK ? spec : NULL;
}
%}
