module github.com/vantage6/libv6node/bindings/go

go 1.19
