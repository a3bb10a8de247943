/** The embedded S3-compatible store of the embedded default, where model artifacts live when no AWS is at hand. */
package dev.kindling.api.s3;
