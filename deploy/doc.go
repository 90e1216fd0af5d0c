// Package deploy checks the files that put the blog on Fly.io — fly.toml,
// litefs.yml, the Dockerfile and the runbook, docs/DEPLOY.md. Its tests
// check them against each other and the code; its image test builds the
// Dockerfile with Podman and runs two machines from the image as Fly
// would. The package itself reads litefs.yml as LiteFS does, for those
// tests and for the cluster rig (internal/clustertest), which starts
// LiteFS from the litefs.yml that ships.
package deploy
