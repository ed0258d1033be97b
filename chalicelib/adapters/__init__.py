"""S3, SNS (SMS), SES (e-mail), clock, ids and secrets: small and lazy."""
