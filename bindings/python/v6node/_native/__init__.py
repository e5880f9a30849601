"""Internal: home of the SWIG-generated module ``v6nraw`` (built from
``bindings/python/v6node_python.i``). Nothing here is API: import
:mod:`v6node` instead."""
