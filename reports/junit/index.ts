export { junitXml, type JunitRun } from './junit';
export { nightJunitXml } from './night';
export { junitProblems } from './validate';
export { parseXml, XmlError, type XmlElement } from './xml';
