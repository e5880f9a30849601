module github.com/vantage6/libv6node/examples/go

go 1.19

require github.com/vantage6/libv6node/bindings/go v0.2.0
