export { junitXml, type JunitRun } from './junit';
export { junitProblems } from './validate';
export { parseXml, XmlError, type XmlElement } from './xml';
