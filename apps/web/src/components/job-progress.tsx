import { SyncOutlined } from '@ant-design/icons';
import { Alert, Button, Modal, Progress, Space, Tag, Typography } from 'antd';
import { useEffect, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { api, call } from '../api/client.ts';
import type { Job } from '../api/types.ts';

const POLL_MS = 1000;
const STATE_COLORS: Record<Job['state'], string> = { created: 'default', active: 'processing', retry: 'warning', completed: 'success', failed: 'error' };
const finished = (job: Job) => job.state === 'completed' || job.state === 'failed';

/** Follows a background job (GET /scrm/admin/job/get) until it completes or fails. */
export function useJob(initial: Job | null): Job | null {
  const [job, setJob] = useState<Job | null>(initial);
  useEffect(() => setJob(initial), [initial]);
  useEffect(() => {
    if (!job || finished(job)) return;
    const timer = setTimeout(() => {
      call(api.GET('/scrm/admin/job/get', { params: { query: { id: job.id } } }), { silent: true }).then(setJob, () => undefined);
    }, POLL_MS);
    return () => clearTimeout(timer);
  }, [job]);
  return job;
}

export function JobProgress({ job }: { job: Job }) {
  const { t } = useTranslation();
  const percent = job.state === 'completed' ? 100 : job.total ? Math.min(99, Math.floor((job.progress / job.total) * 100)) : undefined;
  return (
    <Space orientation="vertical" style={{ width: '100%' }} data-testid="job-progress">
      <Space>
        <Tag color={STATE_COLORS[job.state]}>{t(`job.${job.state}`)}</Tag>
        {job.total !== null && (
          <Typography.Text type="secondary">
            {job.progress} / {job.total}
          </Typography.Text>
        )}
      </Space>
      <Progress percent={percent ?? 0} status={job.state === 'failed' ? 'exception' : finished(job) ? 'success' : 'active'} showInfo={percent !== undefined} />
      {job.message && <Typography.Text>{job.message}</Typography.Text>}
      {job.error && <Alert type="error" showIcon title={job.error} description={job.errorDetail ?? undefined} data-testid="job-error" />}
    </Space>
  );
}

/**
 * A button that starts a background job (e.g. a WeCom sync), then shows its progress in a dialog until
 * it completes or fails; `onFinished` runs once it has (to reload what it changed).
 */
export function JobButton({ start, label, title, onFinished, testId }: { start: () => Promise<Job>; label: ReactNode; title: string; onFinished?: () => void; testId?: string }) {
  const { t } = useTranslation();
  const [started, setStarted] = useState<Job | null>(null);
  const [starting, setStarting] = useState(false);
  const job = useJob(started);
  const done = job !== null && finished(job);

  useEffect(() => {
    if (done) onFinished?.();
    // Once per finished job.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [done]);

  const run = async () => {
    setStarting(true);
    try {
      setStarted(await start());
    } catch {
      // shown by the client
    } finally {
      setStarting(false);
    }
  };

  return (
    <>
      <Button icon={<SyncOutlined spin={job !== null && !done} />} loading={starting} onClick={() => void run()} data-testid={testId}>
        {label}
      </Button>
      <Modal
        open={job !== null}
        title={title || t('job.title')}
        onCancel={() => setStarted(null)}
        footer={<Button onClick={() => setStarted(null)}>{done ? t('common.ok') : t('job.background')}</Button>}
      >
        {job && <JobProgress job={job} />}
      </Modal>
    </>
  );
}
