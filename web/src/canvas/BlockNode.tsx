// One node on the canvas: its block's name and label, an input pin per
// property of the block's input schema (left) and an output pin per property
// of its output schema (right), its live status, outputs and errors.
import { memo } from 'react';
import { Handle, Position, type Node, type NodeProps } from '@xyflow/react';
import type { Block } from '../api/types';
import { useCanvasInfo } from './context';
import { nodePins } from './pins';
import { useNodeState, useNodeStatus } from '../run/useLiveRun';

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
 * The pins: a row each, with its handle, name and default. The bulk of a
 * node, and the same whatever the run does, so a status or an output
 * re-renders the node around it but not this (memo: its props keep their
 * identity between events). Rows and handles are laid out in flow (style.css)
 * where geometry.ts says they are; none is positioned, so none is a paint
 * layer of its own.
 */
const PinRows = memo(function PinRows({ block, inputDefault, extraInputs }: PinsProps) {
  const { ins, outs } = nodePins(block, extraInputs);
  if (ins.length === 0 && outs.length === 0) return null;
  return (
    <div className="ag-node-pins">
      <div className="ag-pins-in">
        {ins.map((p) => (
          <div className="ag-pin in" key={p.name} title={`${p.name}: ${p.type}`}>
            <Handle type="target" position={Position.Left} id={p.name} className="ag-handle" />
            <span className="ag-pin-name">
              {p.title}
              {p.required ? '*' : ''}
              {inputDefault?.[p.name] !== undefined && <em className="ag-pin-default"> = {short(inputDefault[p.name])}</em>}
            </span>
          </div>
        ))}
      </div>
      <div className="ag-pins-out">
        {outs.map((p) => (
          <div className="ag-pin out" key={p.name} title={`${p.name}: ${p.type}`}>
            <Handle type="source" position={Position.Right} id={p.name} className="ag-handle" />
            <span className="ag-pin-name">{p.title}</span>
          </div>
        ))}
      </div>
    </div>
  );
});

/**
 * A node seen from far: its box (the same size, so links meet it where its
 * handles would be), title, block and status colour; no pins, which at this
 * zoom are specks. React Flow knows every handle's place from geometry.ts
 * and never measures a block node (givenSizes.ts), so links need no handle
 * in the page; a far node starts no link. Outputs do not draw it again.
 */
function FarNode({ data, selected }: NodeProps<BlockFlowNode>) {
  const { run, problems } = useCanvasInfo();
  const status = useNodeStatus(run, data.key) ?? (run ? 'NOT_STARTED' : 'IDLE');
  const nodeProblems = problems.get(data.key);
  return (
    <div
      className={`ag-node far status-${status.toLowerCase()}${selected ? ' selected' : ''}${nodeProblems ? ' has-problem' : ''}`}
      data-node-key={data.key}
      data-status={status}
    >
      <div className="ag-node-head">
        <div className="ag-node-title">{data.label || data.key}</div>
        <div className="ag-node-block">{data.block?.name ?? `unknown block ${data.blockId}`}</div>
      </div>
    </div>
  );
}

function FullNode({ data, selected }: NodeProps<BlockFlowNode>) {
  const { run, problems } = useCanvasInfo();
  const live = useNodeState(run, data.key);
  const status = live?.status ?? (run ? 'NOT_STARTED' : 'IDLE');
  const nodeProblems = problems.get(data.key);
  const outputEntries = live ? Object.entries(live.outputs).filter(([pin]) => pin !== 'error') : [];
  const streaming = live ? Object.entries(live.streaming) : [];
  const extra = outputEntries.length > 0 || streaming.length > 0 || live?.error || nodeProblems;
  return (
    <div
      className={`ag-node status-${status.toLowerCase()}${selected ? ' selected' : ''}${nodeProblems ? ' has-problem' : ''}`}
      data-node-key={data.key}
      data-status={status}
      title={nodeProblems?.join('\n')}
    >
      <div className="ag-node-head">
        <div className="ag-node-line">
          <span className="ag-node-title">{data.label || data.key}</span>
          {status !== 'IDLE' && (
            <span className="ag-node-status">
              {status.replace('_', ' ').toLowerCase()}
              {live && live.executions > 1 ? ` ×${live.executions}` : ''}
            </span>
          )}
        </div>
        <div className="ag-node-block">{data.block?.name ?? `unknown block ${data.blockId}`}</div>
      </div>
      <PinRows block={data.block} inputDefault={data.inputDefault} extraInputs={data.extraInputs} />
      {/* Below the node's box, so what a run adds moves no handle. */}
      {extra && (
        <div className="ag-node-extra">
          {outputEntries.length > 0 && (
            <div className="ag-node-out" data-testid="node-output">
              {outputEntries.map(([pin, vals]) => (
                <div key={pin}>
                  <b>{pin}</b>: {short(vals[vals.length - 1])}
                </div>
              ))}
            </div>
          )}
          {streaming.map(([pin, text]) => (
            <div key={pin} className="ag-node-stream" data-streaming={pin} aria-live="polite">
              <b>{pin}</b>: {text.length > 120 ? '…' + text.slice(-119) : text}
            </div>
          ))}
          {live?.error && <div className="ag-node-error">{live.error}</div>}
          {nodeProblems && (
            <ul className="ag-node-problems">
              {nodeProblems.map((m, i) => (
                <li key={i}>{m}</li>
              ))}
            </ul>
          )}
        </div>
      )}
    </div>
  );
}

function BlockNodeView(props: NodeProps<BlockFlowNode>) {
  return useCanvasInfo().far ? <FarNode {...props} /> : <FullNode {...props} />;
}

export const BlockNode = memo(BlockNodeView);
export const nodeTypes = { block: BlockNode };
