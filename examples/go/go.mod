module github.com/vantage6/libv6node/examples/go

go 1.19

require github.com/vantage6/libv6node/bindings/go v0.0.0-00010101000000-000000000000

replace github.com/vantage6/libv6node/bindings/go => ../../bindings/go
