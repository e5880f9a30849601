"""Internal: home of the SWIG-generated module (``v6nraw``) built from
``bindings/v6node.i``. Nothing here is API; import :mod:`v6node` instead."""
