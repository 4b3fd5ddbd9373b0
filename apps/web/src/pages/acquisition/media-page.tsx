import { InboxOutlined, PlusOutlined } from '@ant-design/icons';
import { PageContainer, type ActionType, type ProColumns } from '@ant-design/pro-components';
import { App, Button, Descriptions, Form, Image, Input, Modal, Radio, Select, Spin, Tag, Typography, Upload } from 'antd';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, call, fetchFile, saveBlob, upload } from '../../api/client.ts';
import type { BodyOf, MediaRecord } from '../../api/types.ts';
import { Permission } from '../../auth/permission.tsx';
import { DeleteLink, pagedRequest, useModuleAvailability } from '../../components/crud.tsx';
import { applyFieldErrors } from '../../components/form-errors.ts';
import { ComingSoonPage } from '../status-pages.tsx';
import { ProTable } from '../../components/table.tsx';

type MediaQuery = BodyOf<'/scrm/admin/media/page', 'post'>;
export const MEDIA_TYPES = ['text', 'image', 'link', 'miniprogram', 'video', 'file'] as const;
type MediaType = (typeof MEDIA_TYPES)[number];
const MB = 1024 * 1024;

/** WeCom's limits, checked here before sending (the server checks the content again). */
export const MEDIA_LIMITS: Record<'image' | 'miniprogram' | 'video' | 'file', { maxBytes: number; accept: string; mimes: string[] | null }> = {
  image: { maxBytes: 10 * MB, accept: '.jpg,.jpeg,.png', mimes: ['image/jpeg', 'image/png'] },
  miniprogram: { maxBytes: 10 * MB, accept: '.jpg,.jpeg,.png', mimes: ['image/jpeg', 'image/png'] },
  video: { maxBytes: 10 * MB, accept: '.mp4', mimes: ['video/mp4'] },
  file: { maxBytes: 20 * MB, accept: '', mimes: null },
};

/** Why a file cannot be uploaded as this type, or null. */
export function mediaFileProblem(type: keyof typeof MEDIA_LIMITS, file: { type: string; size: number }): 'type' | 'size' | 'empty' | null {
  const limit = MEDIA_LIMITS[type];
  if (limit.mimes && !limit.mimes.includes(file.type)) return 'type';
  if (file.size <= 5) return 'empty';
  if (file.size > limit.maxBytes) return 'size';
  return null;
}

const SCOPES = [1, 2, 3] as const;

/** 素材库: text, images, links, mini-program cards, videos and files for welcome messages. */
export function MediaPage() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const action = useRef<ActionType>(null);
  const { missing, guard } = useModuleAvailability();
  const [uploading, setUploading] = useState(false);
  const [preview, setPreview] = useState<MediaRecord | null>(null);
  if (missing) return <ComingSoonPage name={t('media.title')} />;

  const remove = async (ids: number[]) => {
    await call(api.POST('/scrm/admin/media/delete', { body: { ids } }));
    message.success(t('common.deleted'));
    action.current?.reload();
  };

  const columns: ProColumns<MediaRecord>[] = [
    { title: t('media.titleField'), dataIndex: 'title', render: (_, row) => <a onClick={() => setPreview(row)}>{row.title || '—'}</a> },
    {
      title: t('media.type'),
      dataIndex: 'type',
      valueType: 'select',
      valueEnum: Object.fromEntries(MEDIA_TYPES.map((type) => [type, { text: t(`media.type_${type}`) }])),
      render: (_, row) => <Tag>{t(`media.type_${row.type}`, { defaultValue: row.type })}</Tag>,
    },
    {
      title: t('media.scope'),
      dataIndex: 'scope',
      valueType: 'select',
      valueEnum: Object.fromEntries(SCOPES.map((scope) => [scope, { text: t(`media.scope${scope}`) }])),
    },
    { title: t('media.size'), dataIndex: 'fileSize', search: false, render: (_, row) => (row.fileSize ? `${(row.fileSize / 1024).toFixed(1)} KB` : '—') },
    { title: t('media.wecomMedia'), dataIndex: 'wecomMediaAt', search: false, render: (_, row) => (row.wecomMediaId ? <Tag color="success">{t('media.uploadedToWecom')}</Tag> : '—') },
    { title: t('common.createdAt'), dataIndex: 'ctime', valueType: 'dateTime', search: false },
    {
      title: t('common.actions'),
      valueType: 'option',
      width: 130,
      render: (_, row) => [
        <a key="preview" onClick={() => setPreview(row)}>
          {t('media.preview')}
        </a>,
        <Permission key="delete" code="media:delete">
          <DeleteLink onConfirm={() => remove([row.id])} />
        </Permission>,
      ],
    },
  ];

  return (
    <PageContainer title={t('media.title')}>
      <ProTable<MediaRecord>
        rowKey="id"
        actionRef={action}
        columns={columns}
        data-testid="media-table"
        search={{ labelWidth: 'auto' }}
        pagination={{ defaultPageSize: 20, showSizeChanger: true }}
        request={pagedRequest((body: MediaQuery) => guard(api.POST('/scrm/admin/media/page', { body })))}
        toolBarRender={() => [
          <Permission key="upload" code="media:upload">
            <Button type="primary" icon={<PlusOutlined />} onClick={() => setUploading(true)} data-testid="media-upload">
              {t('media.upload')}
            </Button>
          </Permission>,
        ]}
      />
      {uploading && (
        <UploadModal
          onClose={() => setUploading(false)}
          onSaved={() => {
            setUploading(false);
            message.success(t('media.uploaded'));
            action.current?.reload();
          }}
        />
      )}
      {preview && (
        <Modal open footer={null} title={preview.title} onCancel={() => setPreview(null)}>
          <Descriptions column={1} size="small" bordered>
            <Descriptions.Item label={t('media.type')}>{t(`media.type_${preview.type}`, { defaultValue: preview.type })}</Descriptions.Item>
            {!!preview.content && <Descriptions.Item label={t('media.content')}>{<Typography.Paragraph style={{ whiteSpace: 'pre-wrap', margin: 0 }}>{preview.content}</Typography.Paragraph>}</Descriptions.Item>}
            {!!preview.linkUrl && <Descriptions.Item label="URL">{<Typography.Link href={preview.linkUrl} target="_blank">{preview.linkUrl}</Typography.Link>}</Descriptions.Item>}
            {!!preview.linkDesc && <Descriptions.Item label={t('media.desc')}>{preview.linkDesc}</Descriptions.Item>}
            {!!preview.picUrl && <Descriptions.Item label={t('media.picUrl')}>{<Image src={preview.picUrl} width={160} />}</Descriptions.Item>}
            {!!preview.appid && <Descriptions.Item label="appid">{preview.appid}</Descriptions.Item>}
            {!!preview.page && <Descriptions.Item label={t('media.page')}>{preview.page}</Descriptions.Item>}
            {!!preview.fileName && <Descriptions.Item label={t('media.fileName')}>{preview.fileName}</Descriptions.Item>}
            {!!preview.mime && <Descriptions.Item label="MIME">{preview.mime}</Descriptions.Item>}
            {preview.fileSize !== null && <Descriptions.Item label={t('media.size')}>{(preview.fileSize / 1024).toFixed(1)} KB</Descriptions.Item>}
          </Descriptions>
          {!!preview.fileName && <StoredFilePreview media={preview} />}
        </Modal>
      )}
    </PageContainer>
  );
}

/**
 * The stored file of a media (GET /admin/media/file, fetched with the session token as a blob, since `<img>`
 * cannot send it): images and mini-program covers as a picture, videos in a player, other files as a download.
 */
function StoredFilePreview({ media }: { media: MediaRecord }) {
  const { t } = useTranslation();
  const [file, setFile] = useState<{ url: string; blob: Blob; fileName: string } | null>(null);
  const [failed, setFailed] = useState(false);
  const kind = media.mime?.startsWith('image/') ? 'image' : media.mime?.startsWith('video/') ? 'video' : 'file';

  useEffect(() => {
    if (kind === 'file') return;
    let url: string | null = null;
    let cancelled = false;
    fetchFile('/scrm/admin/media/file', { query: { id: media.id } }).then(
      ({ blob, fileName }) => {
        if (cancelled) return;
        url = URL.createObjectURL(blob);
        setFile({ url, blob, fileName });
      },
      () => !cancelled && setFailed(true),
    );
    return () => {
      cancelled = true;
      if (url) URL.revokeObjectURL(url);
    };
  }, [media.id, kind]);

  const downloadFile = async () => {
    try {
      const { blob, fileName } = await fetchFile('/scrm/admin/media/file', { query: { id: media.id } });
      saveBlob(blob, media.fileName ?? fileName);
    } catch {
      // shown by the client
    }
  };

  if (kind === 'file') {
    return (
      <Button style={{ marginTop: 12 }} onClick={() => void downloadFile()} data-testid="media-file-download">
        {t('media.downloadFile')}
      </Button>
    );
  }
  if (failed) return <Typography.Text type="secondary">{t('media.previewUnavailable')}</Typography.Text>;
  if (!file) return <Spin style={{ display: 'block', marginTop: 12 }} />;
  return (
    <div style={{ marginTop: 12, textAlign: 'center' }} data-testid="media-stored-preview">
      {kind === 'image' ? (
        <Image src={file.url} alt={media.title} style={{ maxWidth: '100%', maxHeight: 360 }} data-testid="media-preview-image" />
      ) : (
        <video src={file.url} controls style={{ maxWidth: '100%', maxHeight: 360 }} data-testid="media-preview-video" />
      )}
    </div>
  );
}

interface UploadValues {
  type: MediaType;
  scope: number;
  title?: string;
  content?: string;
  url?: string;
  desc?: string;
  picUrl?: string;
  appid?: string;
  page?: string;
}

function UploadModal({ onClose, onSaved }: { onClose: () => void; onSaved: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [form] = Form.useForm<UploadValues>();
  const type = (Form.useWatch('type', form) ?? 'image') as MediaType;
  const [file, setFile] = useState<File | null>(null);
  const [localPreview, setLocalPreview] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const needsFile = type === 'image' || type === 'miniprogram' || type === 'video' || type === 'file';
  // A link may carry a cover image (WeCom needs one to put the link in a customer moment).
  const takesFile = needsFile || type === 'link';
  const fileKind = (type === 'link' ? 'image' : type) as keyof typeof MEDIA_LIMITS;

  useEffect(() => {
    if (!file || !file.type.startsWith('image/')) {
      setLocalPreview(null);
      return;
    }
    const url = URL.createObjectURL(file);
    setLocalPreview(url);
    return () => URL.revokeObjectURL(url);
  }, [file]);

  const choose = (candidate: File) => {
    if (!takesFile) return false;
    const problem = mediaFileProblem(fileKind, candidate);
    if (problem === 'type') message.error(t(`media.wrongType_${fileKind}`));
    else if (problem === 'size') message.error(t('media.tooLarge', { max: MEDIA_LIMITS[fileKind].maxBytes / MB }));
    else if (problem === 'empty') message.error(t('media.tooSmall'));
    else setFile(candidate);
    return false;
  };

  const submit = async () => {
    const values = await form.validateFields();
    if (needsFile && !file) {
      message.error(t('media.fileRequired'));
      return;
    }
    setSaving(true);
    try {
      const fields: Record<string, string | number | undefined> = { ...values };
      await upload('/scrm/admin/media/upload', takesFile ? file : null, fields);
      onSaved();
    } catch (error) {
      applyFieldErrors(form, error);
    } finally {
      setSaving(false);
    }
  };

  const limit = takesFile ? MEDIA_LIMITS[fileKind] : null;

  return (
    <Modal open title={t('media.upload')} onCancel={onClose} onOk={() => void submit().catch(() => undefined)} confirmLoading={saving} okText={t('media.upload')} destroyOnHidden width={560}>
      <Form form={form} layout="vertical" initialValues={{ type: 'image', scope: 1 }} data-testid="media-form">
        <Form.Item name="type" label={t('media.type')}>
          <Select options={MEDIA_TYPES.map((value) => ({ value, label: t(`media.type_${value}`) }))} onChange={() => setFile(null)} data-testid="media-type" />
        </Form.Item>
        <Form.Item name="scope" label={t('media.scope')}>
          <Radio.Group options={SCOPES.map((scope) => ({ value: scope, label: t(`media.scope${scope}`) }))} />
        </Form.Item>
        <Form.Item name="title" label={t('media.titleField')} rules={[{ required: type === 'link' || type === 'miniprogram', max: 128 }]}>
          <Input />
        </Form.Item>
        {type === 'text' && (
          <Form.Item name="content" label={t('media.content')} rules={[{ required: true, max: 4000 }]}>
            <Input.TextArea rows={4} showCount maxLength={4000} />
          </Form.Item>
        )}
        {type === 'link' && (
          <>
            <Form.Item name="url" label="URL" rules={[{ required: true }, { pattern: /^https?:\/\//, message: t('media.urlInvalid') }]}>
              <Input />
            </Form.Item>
            <Form.Item name="desc" label={t('media.desc')}>
              <Input />
            </Form.Item>
            <Form.Item name="picUrl" label={t('media.picUrl')} extra={t('media.picUrlHint')} rules={[{ pattern: /^https?:\/\//, message: t('media.urlInvalid') }]}>
              <Input data-testid="media-pic-url" />
            </Form.Item>
          </>
        )}
        {type === 'miniprogram' && (
          <>
            <Form.Item name="appid" label="appid" rules={[{ required: true }, { pattern: /^wx[0-9a-zA-Z]{16}$/, message: t('miniLink.appidInvalid') }]}>
              <Input />
            </Form.Item>
            <Form.Item name="page" label={t('media.page')} rules={[{ required: true }]}>
              <Input placeholder="pages/index/index" />
            </Form.Item>
          </>
        )}
        {takesFile && limit && (
          <Form.Item label={type === 'link' ? t('media.momentCover') : type === 'miniprogram' ? t('media.cover') : t('media.file')} extra={t(`media.limit_${type}`)}>
            <Upload.Dragger accept={limit.accept || undefined} maxCount={1} showUploadList={false} beforeUpload={choose} data-testid="media-file">
              <p className="ant-upload-drag-icon">
                <InboxOutlined />
              </p>
              <p>{file ? `${file.name} · ${(file.size / 1024).toFixed(1)} KB` : t('media.dropHint')}</p>
            </Upload.Dragger>
            {localPreview && <Image src={localPreview} width={160} style={{ marginTop: 8 }} data-testid="media-local-preview" />}
          </Form.Item>
        )}
      </Form>
    </Modal>
  );
}
