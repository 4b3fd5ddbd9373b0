import { CheckOutlined, PaperClipOutlined } from '@ant-design/icons';
import { PageContainer } from '@ant-design/pro-components';
import { Alert, App, Button, Card, Empty, Image, List, Pagination, Segmented, Space, Tag, Typography } from 'antd';
import dayjs from 'dayjs';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, fetchFile, saveBlob } from '../../api/client.ts';
import { customerText, groupText } from '../../components/names.tsx';
import { todoApi, type SopTask, type TodoPage as TodoAnswer, type TodoQuery } from './sop-api.ts';

type View = TodoQuery['view'];
const PAGE_SIZE = 20;

/**
 * 我的待办: the signed-in employee's SOP tasks (as the WeCom employee bound to their account) — due today, overdue,
 * done — each with what to send (text to copy, media to open) and a button to mark it done.
 */
export function TodoPage() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [view, setView] = useState<View>('today');
  const [pageNum, setPageNum] = useState(1);
  const [answer, setAnswer] = useState<TodoAnswer | null>(null);
  const [unbound, setUnbound] = useState<string | null>(null);

  const load = useCallback(() => {
    // An account bound to no WeCom employee has no to-dos: said on the page, in the server's words (what to do, too),
    // not as an error. The page's own query never fails validation, so a 400 without field errors is that.
    todoApi.page({ view, pageNum, pageSize: PAGE_SIZE }, { silent: true }).then(
      (page) => { setAnswer(page); setUnbound(null); },
      (error) => {
        setAnswer(null);
        const notBound = error instanceof ApiError && error.status === 400 && error.fields.length === 0;
        setUnbound(notBound ? error.message : null);
        if (!notBound) message.error(error instanceof Error ? error.message : String(error));
      },
    );
  }, [view, pageNum, message]);
  useEffect(load, [load]);

  const done = async (task: SopTask) => {
    await todoApi.done([task.id]);
    message.success(t('todo.marked'));
    load();
  };

  const counts = answer?.counts;
  return (
    <PageContainer title={t('todo.title')}>
      {unbound && <Alert type="warning" showIcon message={unbound} data-testid="todo-unbound" style={{ marginBottom: 16 }} />}
      <Segmented<View>
        value={view}
        onChange={(value) => { setView(value); setPageNum(1); }}
        options={[
          { value: 'today', label: `${t('todo.today')}${counts ? ` (${counts.today})` : ''}` },
          { value: 'overdue', label: `${t('todo.overdue')}${counts ? ` (${counts.overdue})` : ''}` },
          { value: 'done', label: `${t('todo.done')}${counts ? ` (${counts.done})` : ''}` },
        ]}
        data-testid="todo-views"
      />
      <List
        style={{ marginTop: 16 }}
        dataSource={answer?.records ?? []}
        locale={{ emptyText: <Empty description={t('todo.empty')} /> }}
        data-testid="todo-list"
        renderItem={(task) => (
          <Card size="small" style={{ marginBottom: 12 }} data-testid={`todo-${task.id}`}
            title={<Space>{task.ruleName}{task.stepName && <Typography.Text type="secondary">{task.stepName}</Typography.Text>}</Space>}
            extra={task.state === 'done'
              ? <Tag color="success">{t('sop.state_done')}</Tag>
              : <Button type="primary" size="small" icon={<CheckOutlined />} onClick={() => void done(task)} data-testid={`todo-done-${task.id}`}>{t('todo.markDone')}</Button>}>
            <Space direction="vertical" style={{ width: '100%' }}>
              <Typography.Text>
                {task.kind === 'customer'
                  ? `${t('todo.customer')}：${customerText(t, task.customerName)}`
                  : `${t('todo.group')}：${groupText(t, task.groupName)}${task.customerName ? `（${t('todo.newMember')}：${task.customerName}）` : ''}`}
              </Typography.Text>
              <Typography.Text type={task.state === 'overdue' ? 'danger' : 'secondary'}>{`${t('todo.due')}：${dayjs(task.overdueAt).format('YYYY-MM-DD HH:mm')}`}</Typography.Text>
              {task.text && <Typography.Paragraph copyable style={{ whiteSpace: 'pre-wrap', marginBottom: 0 }} data-testid={`todo-text-${task.id}`}>{task.text}</Typography.Paragraph>}
              {task.media.length > 0 && <Space wrap>{task.media.map((item) => <MediaItem key={item.id} media={item} />)}</Space>}
            </Space>
          </Card>
        )}
      />
      {answer && answer.total > PAGE_SIZE && <Pagination current={pageNum} pageSize={PAGE_SIZE} total={answer.total} onChange={setPageNum} />}
    </PageContainer>
  );
}

/** A media of the content: images shown, other kinds opened as their file (when stored). */
function MediaItem({ media }: { media: SopTask['media'][number] }) {
  const { t } = useTranslation();
  const [image, setImage] = useState<string | null>(null);
  useEffect(() => {
    if (media.type !== 'image') return;
    let url: string | null = null;
    fetchFile('/scrm/admin/media/file', { query: { id: media.id } }).then(({ blob }) => { url = URL.createObjectURL(blob); setImage(url); }, () => setImage(null));
    return () => { if (url) URL.revokeObjectURL(url); };
  }, [media.id, media.type]);
  if (image) return <Image src={image} alt={media.title} width={96} />;
  const open = async () => {
    try {
      const { blob, fileName } = await fetchFile('/scrm/admin/media/file', { query: { id: media.id } });
      saveBlob(blob, fileName);
    } catch {
      // shown by the client
    }
  };
  return <Button size="small" icon={<PaperClipOutlined />} onClick={() => void open()}>{`[${t(`media.type_${media.type}`)}] ${media.title}`}</Button>;
}
