// model.summary(): Keras's table of layers, output shapes and parameter counts; a
// functional model's also says what each layer is connected to, as Keras writes it
// (layer_name[node_index][tensor_index]).
import { InputLayer } from '../layers/input_layer';
import type { Layer } from '../layers/layer';
import { formatShape, shapeSize, Shape } from '../tensor';
import type { ModelGraph } from './model_graph';

function withCommas(n: number): string {
  return n.toLocaleString('en-US');
}

function shapesText(shapes: readonly Shape[]): string {
  const one = (s: Shape) => formatShape([null, ...s]);
  return shapes.length === 1 ? one(shapes[0]) : `[${shapes.map(one).join(', ')}]`;
}

function paramCount(layer: Layer): number {
  return layer instanceof InputLayer ? 0 : layer.countParams();
}

/** The summary of `graph`'s model; `connections` adds the Connected to column (functional models). */
export function summaryText(name: string, graph: ModelGraph, connections: boolean): string {
  const layers = connections ? graph.layers : graph.weightLayers;
  const rows = layers.map((layer) => {
    const nodes = graph.nodes.filter((n) => n.layer === layer);
    const shapes = nodes.map((n) => n.outputs.map((t) => t.shape));
    const first = shapesText(shapes[0]);
    const shape = shapes.every((s) => shapesText(s) === first) ? first : 'multiple';
    const row = [`${layer.name} (${layer.className})`, connections && layer instanceof InputLayer ? `[${first}]` : shape, withCommas(paramCount(layer))];
    if (connections) {
      const inbound = nodes.flatMap((n) => n.inputs.map((t) => `'${t.node.layer.name}[${graph.nodeIndex(t.node)}][${t.outputIndex}]'`));
      row.push(`[${inbound.join(', ')}]`);
    }
    return row;
  });
  const header = connections ? ['Layer (type)', 'Output Shape', 'Param #', 'Connected to'] : ['Layer (type)', 'Output Shape', 'Param #'];
  const mins = connections ? [28, 26, 10, 20] : [28, 26, 10];
  const widths = mins.map((min, c) => Math.max(min, ...rows.map((r) => r[c].length + (c < mins.length - 1 ? 2 : 0))));
  const total = 1 + widths.reduce((a, b) => a + b, 0);
  const line = (cells: string[]) => (' ' + cells.map((c, i) => c.padEnd(widths[i])).join('')).trimEnd();
  let trainable = 0;
  let frozen = 0;
  for (const layer of graph.weightLayers) {
    for (const w of layer.weights()) (w.trainable ? (trainable += shapeSize(w.shape)) : (frozen += shapeSize(w.shape)));
  }
  return [
    `Model: "${name}"`,
    '_'.repeat(total),
    line(header),
    '='.repeat(total),
    rows.map(line).join('\n\n'),
    '='.repeat(total),
    `Total params: ${withCommas(trainable + frozen)}`,
    `Trainable params: ${withCommas(trainable)}`,
    `Non-trainable params: ${withCommas(frozen)}`,
    '_'.repeat(total),
  ].join('\n');
}
