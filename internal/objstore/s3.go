package objstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go/logging"
)

// S3 is a Store under a prefix of an S3 bucket.
type S3 struct {
	client *s3.Client
	bucket string
	prefix string // "" or ending with '/'
	// Spool is the directory of the temporary files of Create (os.TempDir
	// when "").
	Spool string
}

// ParseS3 splits s3://bucket/prefix into the bucket and the prefix.
func ParseS3(target string) (bucket, prefix string, err error) {
	u, err := url.Parse(target)
	if err != nil || u.Scheme != "s3" || u.Host == "" {
		return "", "", fmt.Errorf("%q is not an s3://bucket/prefix URL", target)
	}
	return u.Host, strings.TrimPrefix(u.Path, "/"), nil
}

// OpenS3 returns the store at s3://bucket/prefix, configured from the
// environment and the shared AWS config files. A custom endpoint
// (AWS_ENDPOINT_URL or AWS_ENDPOINT_URL_S3) gets path-style addressing,
// region us-east-1 when none is set, and request checksums only where S3
// requires them (what S3-compatible services implement), unless
// AWS_REQUEST_CHECKSUM_CALCULATION says otherwise.
func OpenS3(ctx context.Context, target string) (*S3, error) {
	bucket, prefix, err := ParseS3(target)
	if err != nil {
		return nil, err
	}
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	// The SDK's own log lines (an IMDS fallback warning before the error
	// that says the same) would be printed between tslogs' messages: the
	// errors it returns say what went wrong.
	cfg, err := config.LoadDefaultConfig(ctx, config.WithLogger(logging.Nop{}))
	if err != nil {
		return nil, fmt.Errorf("AWS configuration: %w", err)
	}
	custom := os.Getenv("AWS_ENDPOINT_URL_S3") != "" || os.Getenv("AWS_ENDPOINT_URL") != "" || cfg.BaseEndpoint != nil
	if custom {
		if cfg.Region == "" {
			cfg.Region = "us-east-1"
		}
		if os.Getenv("AWS_REQUEST_CHECKSUM_CALCULATION") == "" {
			cfg.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
		}
		if os.Getenv("AWS_RESPONSE_CHECKSUM_VALIDATION") == "" {
			cfg.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
		}
	}
	if cfg.Region == "" {
		return nil, errors.New("AWS configuration: no region (set AWS_REGION or a profile's region)")
	}
	client := s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.UsePathStyle = custom
	})
	return &S3{client: client, bucket: bucket, prefix: prefix}, nil
}

func (s *S3) String() string { return "s3://" + s.bucket + "/" + s.prefix }

// Bucket and Prefix return where the store is.
func (s *S3) Bucket() string { return s.bucket }

// Client returns the S3 client.
func (s *S3) Client() *s3.Client { return s.client }

// Put stores data with one PutObject; S3 answers only once the object is
// stored durably, and makes it visible whole.
func (s *S3) Put(ctx context.Context, key string, data []byte) error {
	_, err := s.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket:        aws.String(s.bucket),
		Key:           aws.String(s.prefix + key),
		Body:          bytes.NewReader(data),
		ContentLength: aws.Int64(int64(len(data))),
	})
	if err != nil {
		return fmt.Errorf("s3 put %s: %w", s.prefix+key, err)
	}
	return nil
}

// multipartPart is the size of the parts of a multipart upload; files
// larger than one part are uploaded in parts.
const multipartPart = 16 << 20

// PutFile uploads a local file: one PutObject up to multipartPart, else a
// multipart upload, visible only once completed (aborted on error).
func (s *S3) PutFile(ctx context.Context, key, file string) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	full := s.prefix + key
	if st.Size() <= multipartPart {
		_, err = s.client.PutObject(ctx, &s3.PutObjectInput{
			Bucket: aws.String(s.bucket), Key: aws.String(full),
			Body: f, ContentLength: aws.Int64(st.Size()),
		})
		if err != nil {
			return fmt.Errorf("s3 put %s: %w", full, err)
		}
		return nil
	}
	up, err := s.client.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(s.bucket), Key: aws.String(full)})
	if err != nil {
		return fmt.Errorf("s3 multipart upload %s: %w", full, err)
	}
	abort := func(err error) error {
		// A context that is not cancelled, so that the abort is sent even
		// when ctx ended the upload.
		actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		s.client.AbortMultipartUpload(actx, &s3.AbortMultipartUploadInput{Bucket: aws.String(s.bucket), Key: aws.String(full), UploadId: up.UploadId})
		return fmt.Errorf("s3 multipart upload %s: %w", full, err)
	}
	var parts []types.CompletedPart
	for n, off := int32(1), int64(0); off < st.Size(); n, off = n+1, off+multipartPart {
		size := min(multipartPart, st.Size()-off)
		out, err := s.client.UploadPart(ctx, &s3.UploadPartInput{
			Bucket: aws.String(s.bucket), Key: aws.String(full), UploadId: up.UploadId,
			PartNumber: aws.Int32(n), Body: io.NewSectionReader(f, off, size), ContentLength: aws.Int64(size),
		})
		if err != nil {
			return abort(err)
		}
		parts = append(parts, types.CompletedPart{ETag: out.ETag, PartNumber: aws.Int32(n)})
	}
	_, err = s.client.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
		Bucket: aws.String(s.bucket), Key: aws.String(full), UploadId: up.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: parts},
	})
	if err != nil {
		return abort(err)
	}
	return nil
}

// List lists the objects under prefix with ListObjectsV2, page by page, in
// key order.
func (s *S3) List(ctx context.Context, prefix string, fn func(Info) error) error {
	p := s3.NewListObjectsV2Paginator(s.client, &s3.ListObjectsV2Input{
		Bucket: aws.String(s.bucket),
		Prefix: aws.String(s.prefix + prefix),
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("s3 list %s: %w", s.String()+prefix, err)
		}
		for _, o := range page.Contents {
			in := Info{Key: strings.TrimPrefix(aws.ToString(o.Key), s.prefix), Size: aws.ToInt64(o.Size), ETag: aws.ToString(o.ETag)}
			if o.LastModified != nil {
				in.Modified = o.LastModified.UTC()
			}
			if err := fn(in); err != nil {
				return err
			}
		}
	}
	return nil
}

// Open reads an object with GetObject.
func (s *S3) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(s.prefix + key)})
	if err != nil {
		return nil, fmt.Errorf("s3 get %s: %w", s.prefix+key, err)
	}
	return out.Body, nil
}

// Delete removes an object with DeleteObject (S3 answers 204 for a key
// with no object too).
func (s *S3) Delete(ctx context.Context, key string) error {
	_, err := s.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(s.prefix + key)})
	if err != nil {
		return fmt.Errorf("s3 delete %s: %w", s.prefix+key, err)
	}
	return nil
}
