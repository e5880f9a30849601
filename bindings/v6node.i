/* The one SWIG interface of libv6node, shared by Python and Go.
 *
 * It wraps the binding layer (glue.h), not v6node.h directly: errors come back
 * in result objects, options and answers as JSON, and long operations as
 * pollable handles (see glue.h for why). The idiomatic layers on top
 * (bindings/python/v6node, bindings/go) are what users import; nobody should
 * see these names. */
%module v6nraw

%{
#include "glue.h"
%}

/* v6ng_result_code -> result_code (Python), ResultCode (Go) */
%rename("%(strip:[v6ng_])s") "";

/* Results, items and handles are freed explicitly by the idiomatic layers. */
%nodefaultctor v6ng_result;
%nodefaultdtor v6ng_result;
%nodefaultctor v6ng_engine;
%nodefaultdtor v6ng_engine;
%nodefaultctor v6ng_op;
%nodefaultdtor v6ng_op;
%nodefaultctor v6ng_item;
%nodefaultdtor v6ng_item;

/* The error codes and event kinds, with the library's own values. */
%constant int ERR_OK = V6N_OK;
%constant int ERR_ERROR = V6N_ERROR;
%constant int ERR_CONFIG = V6N_ECONFIG;
%constant int ERR_NOTFOUND = V6N_ENOTFOUND;
%constant int ERR_CONFLICT = V6N_ECONFLICT;
%constant int ERR_ENGINE = V6N_EENGINE;
%constant int ERR_IO = V6N_EIO;
%constant int ERR_NOMEM = V6N_ENOMEM;
%constant int ERR_INVAL = V6N_EINVAL;
%constant int ERR_UNAVAILABLE = V6N_EUNAVAILABLE;
%constant int ERR_CANCELLED = V6N_ECANCELLED;

%constant int EVENT_IMAGE = V6N_EVENT_IMAGE;
%constant int EVENT_PULL_START = V6N_EVENT_PULL_START;
%constant int EVENT_PULL_PROGRESS = V6N_EVENT_PULL_PROGRESS;
%constant int EVENT_PULL_DONE = V6N_EVENT_PULL_DONE;
%constant int EVENT_WARNING = V6N_EVENT_WARNING;
%constant int EVENT_VOLUME = V6N_EVENT_VOLUME;
%constant int EVENT_REMOVED = V6N_EVENT_REMOVED;
%constant int EVENT_CREATED = V6N_EVENT_CREATED;
%constant int EVENT_STARTED = V6N_EVENT_STARTED;
%constant int EVENT_STOPPED = V6N_EVENT_STOPPED;
%constant int EVENT_VOLUME_REMOVED = V6N_EVENT_VOLUME_REMOVED;
%constant int EVENT_PATH_REMOVED = V6N_EVENT_PATH_REMOVED;
%constant int ITEM_LOG = -1;

%include "glue.h"
