// The docker node driver: containers on a Docker host, image built locally from debootstrap.
export { DockerDriver, openDockerDriver, type DockerDriverOptions, type DockerUpOptions } from './driver';
export { ensureNodeImage, ensureRootfsTarball, aptMirror, NODE_IMAGE, type ImageOptions } from './image';
