import { UploadOutlined, UserOutlined } from '@ant-design/icons';
import { PageContainer, ProCard } from '@ant-design/pro-components';
import { Avatar, Button, Descriptions, Space, Tag, Typography, Upload } from 'antd';
import dayjs from 'dayjs';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, call, upload } from '../api/client.ts';
import { feedback } from '../api/feedback.ts';
import { useSession } from '../auth/session.tsx';
import { PasswordForm } from '../components/password-form.tsx';

const AVATAR_TYPES = ['image/jpeg', 'image/png', 'image/gif', 'image/webp'];
const AVATAR_MAX_BYTES = 2 * 1024 * 1024;

/** Client-side twin of the server's avatar checks, so a wrong file is refused before it is sent. */
export function avatarProblem(file: { type: string; size: number }): 'avatarType' | 'avatarSize' | null {
  if (!AVATAR_TYPES.includes(file.type)) return 'avatarType';
  if (file.size > AVATAR_MAX_BYTES) return 'avatarSize';
  return null;
}

export function ProfilePage() {
  const { t } = useTranslation();
  const session = useSession();
  const [uploading, setUploading] = useState(false);
  const user = session.user!;

  const uploadAvatar = async (file: File) => {
    const problem = avatarProblem(file);
    if (problem) {
      feedback().error(t(`profile.${problem}`));
      return;
    }
    setUploading(true);
    try {
      const { url } = await upload<{ url: string }>('/scrm/admin/sys/user/uploadAvatar', file);
      await call(api.POST('/scrm/admin/sys/user/updateAvatar', { body: { avatar: url } }));
      await session.refresh();
      feedback().success(t('profile.avatarUpdated'));
    } catch {
      // shown by the client
    } finally {
      setUploading(false);
    }
  };

  return (
    <PageContainer title={t('profile.title')}>
      <Space orientation="vertical" size={16} style={{ width: '100%' }}>
        <ProCard title={t('profile.basic')} variant="outlined">
          <Space align="start" size={32} wrap>
            <Space orientation="vertical" align="center">
              <Avatar size={96} src={user.avatar || undefined} icon={<UserOutlined />} data-testid="profile-avatar" />
              <Upload
                accept={AVATAR_TYPES.join(',')}
                showUploadList={false}
                beforeUpload={(file) => {
                  void uploadAvatar(file);
                  return false;
                }}
              >
                <Button icon={<UploadOutlined />} loading={uploading} data-testid="avatar-upload">
                  {t('profile.uploadAvatar')}
                </Button>
              </Upload>
              <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                {t('profile.avatarHint')}
              </Typography.Text>
            </Space>
            <Descriptions column={1} size="small" style={{ minWidth: 320 }}>
              <Descriptions.Item label={t('user.username')}>{user.username}</Descriptions.Item>
              <Descriptions.Item label={t('user.nickname')}>{user.nickname}</Descriptions.Item>
              <Descriptions.Item label={t('profile.dept')}>{user.deptName ?? '—'}</Descriptions.Item>
              <Descriptions.Item label={t('profile.roles')}>
                {user.roles.length > 0 ? user.roles.map((role) => <Tag key={role.id}>{role.name}</Tag>) : '—'}
              </Descriptions.Item>
              <Descriptions.Item label={t('profile.dataScope')}>{t(`role.scope${user.dataScope}`)}</Descriptions.Item>
              <Descriptions.Item label={t('user.phone')}>{user.phone ?? '—'}</Descriptions.Item>
              <Descriptions.Item label={t('user.email')}>{user.email ?? '—'}</Descriptions.Item>
              <Descriptions.Item label={t('profile.lastLogin')}>{user.lastLoginAt ? dayjs(user.lastLoginAt).format('YYYY-MM-DD HH:mm') : '—'}</Descriptions.Item>
            </Descriptions>
          </Space>
        </ProCard>
        <ProCard title={t('password.title')} variant="outlined">
          <PasswordForm />
        </ProCard>
      </Space>
    </PageContainer>
  );
}
