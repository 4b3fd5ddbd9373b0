import { DownloadOutlined, InboxOutlined } from '@ant-design/icons';
import { Alert, App, Button, Form, Modal, Result, Space, Statistic, Steps, Upload } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, call, download, upload } from '../../api/client.ts';
import type { Job, LeadImport } from '../../api/types.ts';
import { JobProgress, useJob } from '../../components/job-progress.tsx';
import { EmployeeSelect } from '../../components/pickers.tsx';

const MAX_BYTES = 20 * 1024 * 1024;
const XLSX_MIME = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const POLL_MS = 1000;
const settled = (record: LeadImport) => record.status === 'completed' || record.status === 'failed';

/** Why a file cannot be imported, or null: an .xlsx of at most 20 MB. */
export function importFileProblem(file: { name: string; size: number }): 'type' | 'size' | null {
  if (!/\.xlsx$/i.test(file.name)) return 'type';
  if (file.size > MAX_BYTES) return 'size';
  return null;
}

/**
 * The import wizard: template, upload (with an optional owner), the job's progress, then the counts and
 * the report of the rows that were refused.
 */
export function LeadImportWizard({ onClose, onImported }: { onClose: () => void; onImported: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [file, setFile] = useState<File | null>(null);
  const [ownerUserid, setOwnerUserid] = useState<string | null>(null);
  const [uploading, setUploading] = useState(false);
  const [record, setRecord] = useState<LeadImport | null>(null);
  const [startedJob, setStartedJob] = useState<Job | null>(null);
  const job = useJob(startedJob);

  useEffect(() => {
    if (!record || settled(record)) return;
    const timer = setTimeout(() => {
      call(api.GET('/scrm/admin/clue/import/get', { params: { query: { id: record.id } } }), { silent: true }).then(setRecord, () => undefined);
    }, POLL_MS);
    return () => clearTimeout(timer);
  }, [record]);

  useEffect(() => {
    if (record && settled(record)) onImported();
    // Once the import settles.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [record?.status]);

  const choose = (candidate: File) => {
    const problem = importFileProblem(candidate);
    if (problem === 'type') message.error(t('leadImport.wrongType'));
    else if (problem === 'size') message.error(t('leadImport.tooLarge'));
    else setFile(candidate);
    return false;
  };

  const start = async () => {
    if (!file) return;
    setUploading(true);
    try {
      const started = await upload<LeadImport>('/scrm/admin/clue/import', file, { ownerUserid: ownerUserid ?? undefined });
      setRecord(started);
      if (started.jobId && !settled(started)) {
        setStartedJob(await call(api.GET('/scrm/admin/job/get', { params: { query: { id: started.jobId } } }), { silent: true }).catch(() => null));
      }
    } catch {
      // shown by the client
    } finally {
      setUploading(false);
    }
  };

  const step = !record ? (file ? 1 : 0) : settled(record) ? 3 : 2;
  const downloadReport = () => void download('/scrm/admin/clue/import/report', { query: { id: record!.id } }).catch(() => undefined);

  return (
    <Modal open width={720} title={t('leadImport.title')} onCancel={onClose} footer={<Button onClick={onClose}>{record && settled(record) ? t('common.ok') : t('common.cancel')}</Button>} destroyOnHidden>
      <Steps
        size="small"
        current={step}
        style={{ marginBottom: 24 }}
        items={[{ title: t('leadImport.stepTemplate') }, { title: t('leadImport.stepUpload') }, { title: t('leadImport.stepProgress') }, { title: t('leadImport.stepResult') }]}
      />
      {!record && (
        <Space orientation="vertical" style={{ width: '100%' }} size={16} data-testid="lead-import-upload">
          <Alert type="info" showIcon title={t('leadImport.templateHint')} action={<Button icon={<DownloadOutlined />} onClick={() => void download('/scrm/admin/clue/importTemplate').catch(() => undefined)} data-testid="lead-import-template">{t('leadImport.template')}</Button>} />
          <Upload.Dragger accept=".xlsx" maxCount={1} showUploadList={false} beforeUpload={choose} data-testid="lead-import-file">
            <p className="ant-upload-drag-icon">
              <InboxOutlined />
            </p>
            <p>{file ? `${file.name} · ${(file.size / 1024).toFixed(1)} KB` : t('leadImport.dropHint')}</p>
          </Upload.Dragger>
          <Form layout="vertical">
            <Form.Item label={t('leadImport.owner')} extra={t('leadImport.ownerHint')}>
              <EmployeeSelect eligible value={ownerUserid ?? undefined} onChange={((value: string | undefined) => setOwnerUserid(value ?? null)) as never} testId="lead-import-owner" />
            </Form.Item>
          </Form>
          <Button type="primary" block disabled={!file} loading={uploading} onClick={() => void start()} data-testid="lead-import-start">
            {t('leadImport.start')}
          </Button>
        </Space>
      )}
      {record && !settled(record) && (
        <Space orientation="vertical" style={{ width: '100%' }}>
          {job ? <JobProgress job={job} /> : null}
          <Statistic title={t('leadImport.rowsDone')} value={record.checkpointRow} suffix={record.totalRows ? `/ ${record.totalRows}` : undefined} />
        </Space>
      )}
      {record && settled(record) && (
        <Result
          status={record.status === 'failed' ? 'error' : record.invalidRows > 0 ? 'warning' : 'success'}
          title={<span data-testid="lead-import-result">{record.status === 'failed' ? t('leadImport.failed') : t('leadImport.done', { inserted: record.insertedRows, invalid: record.invalidRows })}</span>}
          subTitle={[record.duplicateFile ? t('leadImport.duplicate') : null, record.error].filter(Boolean).join(' · ') || undefined}
          extra={
            record.invalidRows > 0 ? (
              <Button type="primary" icon={<DownloadOutlined />} onClick={downloadReport} data-testid="lead-import-report">
                {t('leadImport.report', { count: record.invalidRows })}
              </Button>
            ) : undefined
          }
        />
      )}
    </Modal>
  );
}

export { XLSX_MIME };
