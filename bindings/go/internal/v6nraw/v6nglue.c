/* Compiles the binding layer (bindings/glue.c, shared with Python) into this
 * package, so the Go module needs no second copy of it and no extra library. */
#include "../../../glue.c"
