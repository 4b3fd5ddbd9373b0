import { Card, Empty, List, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { employeeText } from '../../components/names.tsx';
import dayjs from 'dayjs';
import { api, call } from '../../api/client.ts';
import type { ResponseOf } from '../../api/types.ts';

type Note = ResponseOf<'/scrm/admin/cust/note/list', 'get'>[number];

/** 跟进记录: the employees' follow-up notes on this customer (written in the WeCom sidebar), within the viewer's scope. */
export function CustomerNotes({ externalUserid }: { externalUserid: string }) {
  const { t } = useTranslation();
  const [notes, setNotes] = useState<Note[]>();
  useEffect(() => void call(api.GET('/scrm/admin/cust/note/list', { params: { query: { externalUserid } } }), { silent: true }).then(setNotes, () => setNotes([])), [externalUserid]);
  return (
    <Card size="small" title={t('customerNotes.title')} loading={!notes} data-testid="customer-notes">
      {notes?.length === 0 ? (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('customerNotes.empty')} />
      ) : (
        <List
          size="small"
          dataSource={notes}
          renderItem={(note) => (
            <List.Item>
              <List.Item.Meta
                title={<Typography.Text style={{ whiteSpace: 'pre-wrap' }}>{note.content}</Typography.Text>}
                description={t('customerNotes.by', { name: employeeText(t, note.employeeName, note.userid), time: dayjs(note.ctime).format('YYYY-MM-DD HH:mm') })}
              />
            </List.Item>
          )}
        />
      )}
    </Card>
  );
}
