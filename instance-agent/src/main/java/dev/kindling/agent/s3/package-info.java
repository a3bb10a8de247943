/**
 * Model artifacts from S3 over the AWS SDK v2: resolving a URI to object versions, parallel ranged downloads that
 * resume, and verification of every object by its ETag (MD5 or multipart) and its full-object checksum.
 */
package dev.kindling.agent.s3;
