// One node on the canvas: its block's name and label, an input pin per
// property of the block's input schema (left) and an output pin per property
// of its output schema (right), its live status, outputs and errors.
import { memo } from 'react';
import { Handle, Position, type Node, type NodeProps } from '@xyflow/react';
import type { Block } from '../api/types';
import { useCanvasInfo } from './context';
import { inputPins, outputPins, type Pin } from './pins';
import { useNodeState } from '../run/useLiveRun';

export interface BlockNodeData extends Record<string, unknown> {
  key: string;
  label: string;
  block: Block | null;
  blockId: string;
  inputDefault: Record<string, unknown>;
  metadata: Record<string, unknown>;
  /** Input pins links use that the schema does not list (dynamic pins such as `items_$_0`). */
  extraInputs?: string[];
}

export type BlockFlowNode = Node<BlockNodeData, 'block'>;

function short(v: unknown): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s === undefined ? '' : s.length > 60 ? s.slice(0, 57) + '…' : s;
}

interface PinsProps {
  block: Block | null;
  inputDefault: Record<string, unknown>;
  extraInputs?: string[];
}

/**
 * The pins, with their handles: the bulk of a node, and the same whatever
 * the run does, so a status or an output re-renders the node around it but
 * not this (memo: its props keep their identity between events).
 */
const Pins = memo(function Pins({ block, inputDefault, extraInputs }: PinsProps) {
  const ins: Pin[] = inputPins(block);
  for (const extra of extraInputs ?? []) ins.push({ name: extra, title: extra, type: 'any', required: false });
  const outs = outputPins(block);
  return (
    <div className="ag-node-pins">
      <div className="ag-pins-in">
        {ins.map((p) => (
          <div className="ag-pin in" key={p.name} title={`${p.name}: ${p.type}`}>
            <Handle type="target" position={Position.Left} id={p.name} className="ag-handle" />
            <span>
              {p.title}
              {p.required ? '*' : ''}
            </span>
            {inputDefault?.[p.name] !== undefined && <em className="ag-pin-default">= {short(inputDefault[p.name])}</em>}
          </div>
        ))}
      </div>
      <div className="ag-pins-out">
        {outs.map((p) => (
          <div className="ag-pin out" key={p.name} title={`${p.name}: ${p.type}`}>
            <span>{p.title}</span>
            <Handle type="source" position={Position.Right} id={p.name} className="ag-handle" />
          </div>
        ))}
      </div>
    </div>
  );
});

function BlockNodeView({ data, selected }: NodeProps<BlockFlowNode>) {
  const { run, problems } = useCanvasInfo();
  const live = useNodeState(run, data.key);
  const status = live?.status ?? (run ? 'NOT_STARTED' : 'IDLE');
  const nodeProblems = problems.get(data.key);
  const outputEntries = live ? Object.entries(live.outputs).filter(([pin]) => pin !== 'error') : [];
  return (
    <div
      className={`ag-node status-${status.toLowerCase()}${selected ? ' selected' : ''}${nodeProblems ? ' has-problem' : ''}`}
      data-node-key={data.key}
      data-status={status}
      title={nodeProblems?.join('\n')}
    >
      <div className="ag-node-head">
        <span className="ag-node-title">{data.label || data.key}</span>
        <span className="ag-node-block">{data.block?.name ?? `unknown block ${data.blockId}`}</span>
      </div>
      {status !== 'IDLE' && <div className="ag-node-status">{status.replace('_', ' ').toLowerCase()}{live && live.executions > 1 ? ` ×${live.executions}` : ''}</div>}
      <Pins block={data.block} inputDefault={data.inputDefault} extraInputs={data.extraInputs} />
      {outputEntries.length > 0 && (
        <div className="ag-node-out" data-testid="node-output">
          {outputEntries.map(([pin, vals]) => (
            <div key={pin}>
              <b>{pin}</b>: {short(vals[vals.length - 1])}
            </div>
          ))}
        </div>
      )}
      {live?.error && <div className="ag-node-error">{live.error}</div>}
      {nodeProblems && (
        <ul className="ag-node-problems">
          {nodeProblems.map((m, i) => (
            <li key={i}>{m}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

export const BlockNode = memo(BlockNodeView);
export const nodeTypes = { block: BlockNode };
