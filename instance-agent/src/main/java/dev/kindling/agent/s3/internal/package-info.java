/** The S3 adapter's pieces: one small object per S3 operation, and checksums the JDK lacks. */
package dev.kindling.agent.s3.internal;
