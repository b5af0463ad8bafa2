module ossdl.local/interop-go

go 1.19

require github.com/aliyun/aliyun-oss-go-sdk v3.0.2+incompatible

require golang.org/x/time v0.3.0 // indirect
