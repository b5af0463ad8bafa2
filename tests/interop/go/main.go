// A manual interop check (not part of CI): the official Go SDK v1 (github.com/aliyun/aliyun-oss-go-sdk)
// against `ossdl serve`. It uploads an object with PutObject, downloads it with DownloadFile (parallel
// parts, checkpoint, CRC-64 check) in V1 or V4 signing mode, compares the bytes, and checks that a
// wrong secret is refused with SignatureDoesNotMatch. See README.md in this folder.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/aliyun/aliyun-oss-go-sdk/oss"
)

func main() {
	endpoint := flag.String("endpoint", "http://127.0.0.1:9000", "the serve endpoint")
	bucketName := flag.String("bucket", "my-bucket", "an existing bucket (a sub-directory of --root)")
	key := flag.String("key", "go-sdk/object.bin", "the object key to write and read back")
	id := flag.String("access-key-id", "test", "access key id given to serve")
	secret := flag.String("access-key-secret", "test-secret", "access key secret given to serve")
	region := flag.String("region", "cn-hangzhou", "V4 signing region (serve --region)")
	auth := flag.String("auth", "v4", "signature version: v1 or v4")
	size := flag.Int("size", 3*1024*1024+123, "object size in bytes")
	flag.Parse()
	if err := run(*endpoint, *bucketName, *key, *id, *secret, *region, *auth, *size); err != nil {
		fmt.Fprintln(os.Stderr, "FAILED:", err)
		os.Exit(1)
	}
}

func client(endpoint, id, secret, region, auth string) (*oss.Client, error) {
	options := []oss.ClientOption{oss.ForcePathStyle(true)}
	if auth == "v4" {
		options = append(options, oss.AuthVersion(oss.AuthV4), oss.Region(region))
	} else {
		options = append(options, oss.AuthVersion(oss.AuthV1))
	}
	return oss.New(endpoint, id, secret, options...)
}

func run(endpoint, bucketName, key, id, secret, region, auth string, size int) error {
	c, err := client(endpoint, id, secret, region, auth)
	if err != nil {
		return err
	}
	bucket, err := c.Bucket(bucketName)
	if err != nil {
		return err
	}
	data := make([]byte, size)
	for i := range data {
		data[i] = byte(i*131 + 17)
	}
	if err := bucket.PutObject(key, bytes.NewReader(data), oss.Meta("author", "go-sdk")); err != nil {
		return fmt.Errorf("PutObject: %w", err)
	}
	meta, err := bucket.GetObjectDetailedMeta(key)
	if err != nil {
		return fmt.Errorf("GetObjectDetailedMeta: %w", err)
	}
	if meta.Get("X-Oss-Meta-Author") != "go-sdk" {
		return errors.New("x-oss-meta-author did not round-trip")
	}
	dir, err := os.MkdirTemp("", "ossdl-go-sdk-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	dest := filepath.Join(dir, "object.bin")
	err = bucket.DownloadFile(key, dest, 512*1024, oss.Routines(4),
		oss.Checkpoint(true, dest+".cp"))
	if err != nil {
		return fmt.Errorf("DownloadFile: %w", err)
	}
	got, err := os.ReadFile(dest)
	if err != nil {
		return err
	}
	if !bytes.Equal(got, data) {
		return fmt.Errorf("downloaded %d bytes that differ from the %d uploaded", len(got), len(data))
	}
	fmt.Printf("%s: PutObject, GetObjectDetailedMeta and DownloadFile of %d bytes OK (CRC-64 %s)\n",
		auth, len(got), meta.Get("X-Oss-Hash-Crc64ecma"))
	wrong, err := client(endpoint, id, "wrong-secret", region, auth)
	if err != nil {
		return err
	}
	wrongBucket, _ := wrong.Bucket(bucketName)
	_, err = wrongBucket.GetObjectMeta(key)
	var serviceError oss.ServiceError
	if err == nil {
		return errors.New("a wrong secret was accepted")
	}
	if errors.As(err, &serviceError) && serviceError.Code != "" &&
		serviceError.Code != "SignatureDoesNotMatch" {
		return fmt.Errorf("a wrong secret gave %s, not SignatureDoesNotMatch", serviceError.Code)
	}
	_, err = wrongBucket.GetObject(key)
	if !errors.As(err, &serviceError) || serviceError.Code != "SignatureDoesNotMatch" {
		return fmt.Errorf("a wrong secret on GetObject gave %v, not SignatureDoesNotMatch", err)
	}
	fmt.Printf("%s: a wrong secret is refused with SignatureDoesNotMatch\n", auth)
	return bucket.DeleteObject(key)
}
