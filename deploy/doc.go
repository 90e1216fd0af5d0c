// Package deploy reads the files that put the blog on Fly.io — fly.toml,
// litefs.yml, the Dockerfile, .dockerignore and the runbook — so that tests
// can check they agree with each other and with the code, and so that the
// cluster tests start LiteFS from the very litefs.yml that ships.
//
// Its image test builds the Dockerfile with Podman and runs two machines
// from the image as Fly would (docs/DEPLOY.md); the checks of the files
// themselves cover only what running the image cannot show.
package deploy
