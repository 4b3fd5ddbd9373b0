import { BroadcastPage } from './broadcast-page.tsx';

/** 朋友圈: moments published through employees (add_moment_task), with the same editor, preview and details. */
export function MomentPage() {
  return <BroadcastPage kind="moment" />;
}
